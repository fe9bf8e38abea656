using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Switchboard.Messages.Transport.Tls;

/// <summary>
/// Trusts exactly the certificates of one CA (the --tls-ca file): a peer's chain is built with the CA as the only root
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>), never the machine's store, with no downloads or revocation
/// lookups (a private CA publishes none). Anything else is refused, with the reason logged.
/// </summary>
public sealed class CaTrust
{
    private readonly X509Certificate2Collection _roots;

    public CaTrust(X509Certificate2Collection roots)
    {
        if (roots.Count == 0) throw new ArgumentException("no CA certificate", nameof(roots));
        _roots = roots;
    }

    /// <summary>Null when <paramref name="certificate"/> chains to the CA, otherwise why not.</summary>
    public string? Problem(X509Certificate2 certificate, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        // Intermediates the peer sent help build the path; only the CA can end it (CustomRootTrust).
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(certificate)) return null;
        var why = chain.ChainStatus.Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : s.StatusInformation.Trim()).Distinct();
        return $"certificate '{certificate.Subject}' (issuer '{certificate.Issuer}') is not trusted by the CA: {string.Join("; ", why)}";
    }

    /// <summary>
    /// Akka.Remote's hook for every TLS handshake (inbound client certificates and outbound server certificates):
    /// <see cref="DotNettySslSetup.CustomValidator"/>. <paramref name="checkHostname"/> also refuses an outbound
    /// server certificate whose name does not match the address dialled.
    /// </summary>
    public CertificateValidationCallback Validator(bool checkHostname, Action<string>? refused = null) =>
        (certificate, chain, peer, errors, log) =>
        {
            var problem = certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)
                ? "presented no certificate"
                : checkHostname && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
                    ? $"certificate '{certificate.Subject}' does not name the address dialled"
                    // The OS's own chain verdict (RemoteCertificateChainErrors) is against the machine's store: ignored,
                    // the chain is rebuilt against the CA alone.
                    : Problem(certificate, chain);
            if (problem is null) return true;
            log?.Warning("TLS: refused peer {0}: {1}", peer, problem);
            refused?.Invoke($"{peer}: {problem}");
            return false;
        };
}
