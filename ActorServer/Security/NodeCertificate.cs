using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Switchboard.Server.Security;

/// <summary>
/// How a node proves to another that it holds the cluster secret: mutual TLS on the node port, where each node
/// presents a certificate it minted at start (a fresh P-256 key, self-signed) carrying, in a private extension, an
/// HMAC of its public key keyed with the secret. The TLS handshake proves the peer holds that certificate's private
/// key; the HMAC proves whoever minted it knew the secret. A stranger, a client certificate of the operator's CA, or a
/// node certificate captured off the wire (without its key) completes no handshake, so it never associates, never
/// joins and reads nothing: the link is encrypted and TLS's record sequence numbers drop any replayed bytes.
/// </summary>
public sealed class NodeCertificate
{
    /// <summary>A private-use OID (under the "example" PEN 32473 of RFC 5612) naming the secret's tag.</summary>
    public const string TagOid = "1.3.6.1.4.1.32473.4243.1";

    /// <summary>PBKDF2-SHA256 rounds of the tag's key: OWASP's floor for that hash, once per node at start.</summary>
    public const int Iterations = 600_000;

    private readonly byte[] _key;

    public NodeCertificate(string secret)
    {
        // A key of its own for certificates, so a tag is never a valid message signature (ClusterWireSerializer) or vice
        // versa. Stretched: anyone reaching the node port is shown a node's certificate, and its tag tests a guess of the
        // secret offline; with HKDF a guess cost one HMAC pass, and a secret a person chose fell to a dictionary.
        _key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes("switchboard node certificate v1"), Iterations,
            HashAlgorithmName.SHA256, 32);
    }

    /// <summary>A certificate with its private key, for this process only (never written anywhere).</summary>
    public X509Certificate2 Mint(string node)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=switchboard node {node}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension(TagOid, Tag(request.PublicKey.ExportSubjectPublicKeyInfo()), critical: false));
        using var minted = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        // Through PKCS#12 once, so the key is one SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(minted.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Null when <paramref name="certificate"/> was minted by a holder of the secret, else why not.</summary>
    public string? Problem(X509Certificate? certificate)
    {
        if (certificate is null) return "presented no certificate";
        using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (cert.Extensions[TagOid] is not { } tag) return $"certificate '{cert.Subject}' is not a node's (no cluster tag)";
        var expected = Tag(cert.PublicKey.ExportSubjectPublicKeyInfo());
        return CryptographicOperations.FixedTimeEquals(expected, tag.RawData) ? null : $"certificate '{cert.Subject}' is not tagged with this cluster's secret";
    }

    /// <summary>The DotNetty TLS setup of the node port: this certificate, peers required to present one, each checked by <see cref="Problem"/>.</summary>
    public DotNettySslSetup Setup(X509Certificate2 own, Action<string>? refused = null) =>
        new(own, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false,
            customValidator: (certificate, _, peer, _, log) =>
            {
                // The OS's chain verdict is ignored (self-signed by design): the tag is the trust.
                if (Problem(certificate) is not { } problem) return true;
                log?.Warning("cluster: refused peer {0}: {1}", peer, problem);
                refused?.Invoke($"{peer}: {problem}");
                return false;
            });

    // DER: an OCTET STRING of the 32-byte HMAC, so the extension is well-formed for any X.509 parser.
    private byte[] Tag(byte[] subjectPublicKeyInfo) => [0x04, 0x20, .. HMACSHA256.HashData(_key, subjectPublicKeyInfo)];
}
