#!/usr/bin/env bash
# Makes a private CA and two certificates signed by it, for Akka.Remote over TLS (docs/security.md, "TLS"):
#   DIR/ca.pem      the CA certificate: give it to every server and client as --tls-ca
#   DIR/server.pfx  a server node's certificate and key (serverAuth + clientAuth: nodes also dial each other)
#   DIR/client.pfx  a client's certificate and key (clientAuth), for servers that require client certificates
# The .pfx files are protected with the password in $SWITCHBOARD_TLS_PASSWORD (which the programs read too).
# DIR/ca.key signs more certificates: keep it off the servers. Usage: ./tls-certs.sh DIR [CA-NAME]
set -euo pipefail
# --help is the usage (it was taken for the directory); so is no argument, as a mistake.
case "${1:-}" in
  -h|--help) echo "usage: ./tls-certs.sh DIR [CA-NAME]   (SWITCHBOARD_TLS_PASSWORD: the .pfx files' password)"
             echo "  makes DIR/ca.pem, DIR/ca.key, DIR/server.pfx and DIR/client.pfx (docs/security.md, TLS)"; exit 0 ;;
  "") echo "usage: ./tls-certs.sh DIR [CA-NAME]" >&2; exit 2 ;;
  -*) echo "tls-certs.sh: unknown option $1 (usage: ./tls-certs.sh DIR [CA-NAME])" >&2; exit 2 ;;
esac
dir=$1
ca_name=${2:-Switchboard CA}
: "${SWITCHBOARD_TLS_PASSWORD:?set SWITCHBOARD_TLS_PASSWORD to the password for the .pfx files}"
mkdir -p "$dir" && cd "$dir"
umask 077

# The CA: self-signed, allowed to sign certificates only.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 365 -subj "/CN=$ca_name" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# A certificate signed by the CA, exported with its key as a password-protected PKCS#12 (.pfx).
issue() { # NAME EXTENDED-KEY-USAGE
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=switchboard-$1" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  openssl pkcs12 -export -in "$1.crt" -inkey "$1.key" -out "$1.pfx" -passout env:SWITCHBOARD_TLS_PASSWORD
  rm -f "$1.csr" "$1.ext" "$1.key"
}
issue server serverAuth,clientAuth
issue client clientAuth
echo "made $dir/ca.pem, $dir/server.pfx, $dir/client.pfx"
