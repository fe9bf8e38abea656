#!/usr/bin/env bash
# Builds, starts a server in the background and an interactive client in this terminal.
# The server stops (and prints its summary) when the client exits.
#   ./run.sh [NAME] [PORT | --port PORT] [CLIENT OPTIONS...] [-- SERVER OPTIONS...]
#   e.g. ./run.sh alice 4053 --password  (to reserve the name);  ./run.sh alice -- --segment mine --monitor 127.0.0.1:8222
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
usage() { echo "usage: ./run.sh [NAME] [PORT | --port PORT] [CLIENT OPTIONS...] [-- SERVER OPTIONS...]" >&2; echo "  e.g. ./run.sh alice 4053 --password   (client options: ActorClient --help)" >&2; exit 2; }
# Asked for, the usage is the answer (stdout, exit 0), not a mistake.
help() {
  echo "usage: ./run.sh [NAME] [PORT | --port PORT] [CLIENT OPTIONS...] [-- SERVER OPTIONS...]"
  echo "  builds, starts a server on PORT (4053) and the interactive client NAME (\$USER) here;"
  echo "  the server stops when the client exits. e.g. ./run.sh alice 4053 --password"
  echo "  (client options: dotnet ActorClient/bin/Release/net10.0/ActorClient.dll --help)"
  echo "  After --, options for the server (its --help), e.g. --segment NAME (default"
  echo "  switchboard-run-PID), --data DIR, --monitor 127.0.0.1:8222; not --port or --host."
  exit 0
}
port=4053
# Everything after the first -- is the server's; the rest is run.sh's and the client's.
args=() server_args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; server_args=("$@"); break; fi
  args+=("$1"); shift
done
set -- "${args[@]+"${args[@]}"}"
take_port() {
  if ! [[ "${1:-}" =~ ^[0-9]{1,5}$ ]] || (( 10#$1 < 1 || 10#$1 > 65535 )); then
    echo "run.sh: the port must be a number from 1 to 65535 (got '${1:-}')" >&2; usage
  fi
  port="$((10#$1))"
}
# Options before the name: only --port (and --help); anything else is a mistake, not a name.
while [ $# -gt 0 ] && [[ "$1" == -* ]]; do
  case "$1" in
    --port) take_port "${2:-}"; shift 2 ;;
    --port=*) take_port "${1#--port=}"; shift ;;
    -h|--help) help ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done
name="${1:-${USER:-}}"; name="${name:-alice}"; [ $# -gt 0 ] && shift
# After the name: the port, positional or as --port; what follows goes to the client. Something that starts with a
# digit is a port, mistyped or not (48101x): refused, not passed on to the client while the server takes 4053.
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9] ]]; then take_port "$1"; shift
elif [ $# -gt 0 ] && [ "$1" = "--port" ]; then take_port "${2:-}"; shift 2
elif [ $# -gt 0 ] && [[ "$1" == --port=* ]]; then take_port "${1#--port=}"; shift
fi
segment="switchboard-run-$$"
# One server per data directory (a second one is refused): the default port keeps the server's default directory,
# another port a directory of its own, so two run.sh servers side by side each keep their own names and history.
data_args=()
if [ "$port" != 4053 ]; then data_args=(--data "${XDG_DATA_HOME:-$HOME/.local/share}/switchboard-$port"); fi
# A server option given after -- replaces run.sh's own choice; the address stays run.sh's, which its client dials.
own_segment=1
for (( i = 0; i < ${#server_args[@]}; i++ )); do
  case "${server_args[$i]}" in
    --port|--port=*|--host|--host=*)
      echo "run.sh: give the port to run.sh (./run.sh $name PORT), not after --; its client connects to 127.0.0.1:PORT" >&2; usage ;;
    --segment) own_segment=0; segment="${server_args[$((i + 1))]:-}" ;;
    --segment=*) own_segment=0; segment="${server_args[$i]#--segment=}" ;;
    --data|--data=*) data_args=() ;;
  esac
done
segment_args=()
if [ "$own_segment" = 1 ]; then segment_args=(--segment "$segment"); fi
log="$(mktemp -t switchboard-server.XXXXXX.log)"

echo "building Switchboard (Release; a first build takes a minute or more)..." >&2
if ! built="$(dotnet build Switchboard.slnx -c Release -v quiet -nologo </dev/null 2>&1)"; then
  echo "$built" >&2; echo "the build failed (above)" >&2; exit 1
fi
dotnet ActorServer/bin/Release/net10.0/ActorServer.dll --port "$port" "${segment_args[@]+"${segment_args[@]}"}" \
  "${data_args[@]+"${data_args[@]}"}" "${server_args[@]+"${server_args[@]}"}" >"$log" 2>&1 &
server=$!
# The log goes with a clean shutdown (the server's exit code 0); after anything else it stays, and its path is said.
stop() {
  local rc=0
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || rc=$?
  echo; grep -A1000 '^summary:' "$log" || true
  if [ "$rc" -eq 0 ]; then rm -f "$log"; else echo "(the server's log is kept: $log)" >&2; fi
  reap_segment
}
# A server that was killed (kill -9, a crash) leaves its segment's three files, and the next run.sh names another
# segment, so nothing would take them over: run.sh removes its own segment's, once no process has them open or mapped.
# A segment given with -- --segment is never touched: other nodes may share it, and the next one on it takes it over.
reap_segment() {
  [ "$own_segment" = 1 ] || return 0
  local shm="/dev/shm/$segment" f holders
  [ -e "$shm" ] || [ -e "$shm.lock" ] || [ -e "$shm.key" ] || return 0
  # Held: one of the files open (a descriptor) or mapped by a process of this user (no other user may open them).
  holders="$( { find /proc/[0-9]*/fd -maxdepth 1 \( -lname "$shm" -o -lname "$shm.lock" -o -lname "$shm.key" \) 2>/dev/null
    grep -sl -E "[[:space:]]${shm//./\\.}(\\.lock|\\.key)?\$" /proc/[0-9]*/maps || true; } | cut -d/ -f3 | sort -un | tr '\n' ' ')"
  if [ -n "$holders" ]; then
    echo "(its segment $shm is still open in process ${holders% }; left as it is)" >&2; return 0
  fi
  for f in "$shm" "$shm.lock" "$shm.key"; do rm -f "$f"; done
  echo "(its segment $shm (and .lock, .key) left behind is removed)" >&2
}
trap stop EXIT
# The server ended before it listened. With exit code 0 it was asked for an answer, not to serve (-- --help): that
# answer is the output, and run.sh ends as it did. Anything else is a start that failed, said as such.
ended() {
  local rc=0
  wait "$server" 2>/dev/null || rc=$?
  trap - EXIT
  cat "$log"
  if [ "$rc" -eq 0 ]; then rm -f "$log"; exit 0; fi
  reap_segment
  # The server's hint names its own --port; run.sh takes the port after the name.
  if grep -q 'already in use' "$log"; then echo "run.sh: port $port is taken; pick another: ./run.sh $name PORT (or --port PORT)" >&2; fi
  echo "run.sh: the server did not start (exit code $rc; its log, above, is kept: $log)" >&2
  exit 1
}
for _ in $(seq 1 100); do grep -q '^listening on' "$log" && break; kill -0 "$server" 2>/dev/null || ended; sleep 0.1; done
grep '^listening on' "$log"
# Within 80 columns, and a command that pastes whole (continued by its backslash).
echo "registry: dotnet ActorServer/bin/Release/net10.0/ActorServer.dll inspect \\"
echo "            --segment $segment"
dotnet ActorClient/bin/Release/net10.0/ActorClient.dll "$name" --server "127.0.0.1:$port" "$@"
