using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Switchboard.Messages.Transport.Tls;

/// <summary>What a certificate must be made for (its extended key usage, RFC 5280 §4.2.1.12).</summary>
public enum KeyPurpose
{
    /// <summary>id-kp-serverAuth: the peer this side dialled (a server, or another node).</summary>
    ServerAuth,
    /// <summary>id-kp-clientAuth: a peer that dialled this side (a client, or another node).</summary>
    ClientAuth,
}

/// <summary>
/// Trusts exactly the certificates of one CA (the --tls-ca file): a peer's chain is built with the CA as the only root
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>), never the machine's store, with no downloads or revocation
/// lookups (a private CA publishes none), and its leaf must be made for the peer's part: serverAuth for the server this
/// side dialled, clientAuth for a peer that dialled it. Without the purpose check any certificate of the CA, a client's
/// included, passed for the server. Anything else is refused, with the reason logged.
/// </summary>
public sealed class CaTrust
{
    private readonly X509Certificate2Collection _roots;

    public CaTrust(X509Certificate2Collection roots)
    {
        if (roots.Count == 0) throw new ArgumentException("no CA certificate", nameof(roots));
        _roots = roots;
    }

    /// <summary>The OID of <paramref name="purpose"/>.</summary>
    public static string Oid(KeyPurpose purpose) => purpose == KeyPurpose.ServerAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2";

    private static string Name(KeyPurpose purpose) => purpose == KeyPurpose.ServerAuth ? "serverAuth" : "clientAuth";

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to the CA and is made for every one of <paramref name="purposes"/>,
    /// otherwise why not. Strict on purpose: a certificate without an extended key usage extension is refused, though
    /// RFC 5280 reads it as "any purpose", since a CA that issues its clients such certificates would again let any client
    /// pass for the server (tls-certs.sh always writes one).
    /// </summary>
    public string? Problem(X509Certificate2 certificate, IReadOnlyCollection<KeyPurpose> purposes, X509Chain? presented = null)
    {
        if (Lacking(certificate, purposes) is { } lacking) return lacking;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        // The chain checks the purposes too: an intermediate's own EKU may narrow what its certificates are good for.
        foreach (var purpose in purposes) chain.ChainPolicy.ApplicationPolicy.Add(new Oid(Oid(purpose)));
        // Intermediates the peer sent help build the path; only the CA can end it (CustomRootTrust).
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(certificate)) return null;
        var why = chain.ChainStatus.Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : s.StatusInformation.Trim()).Distinct();
        return $"certificate '{certificate.Subject}' (issuer '{certificate.Issuer}') is not trusted by the CA: {string.Join("; ", why)}";
    }

    /// <summary>Why the leaf's extended key usage does not cover <paramref name="purposes"/>, or null when it does.</summary>
    public static string? Lacking(X509Certificate2 certificate, IReadOnlyCollection<KeyPurpose> purposes)
    {
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var missing = purposes.Where(p => eku is null || !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oid(p))).ToList();
        if (missing.Count == 0) return null;
        var names = string.Join(" and ", missing.Select(p => $"{Name(p)} ({Oid(p)})"));
        return eku is null
            ? $"certificate '{certificate.Subject}' has no extended key usage; it needs {names}"
            : $"certificate '{certificate.Subject}' is not made for this: its extended key usage lacks {names}";
    }

    /// <summary>
    /// What the peer's certificate must be made for, from how Akka.Remote (1.5.73) names the peer to the validator: the
    /// Akka address it dialled (we are the client: the peer serves) or the socket's remote endpoint (the peer dialled
    /// us). Anything else must be made for both, so a change in Akka's naming refuses too much rather than too little
    /// (TlsSpecs would show it).
    /// </summary>
    public static KeyPurpose[] PurposesOf(string? peer)
    {
        if (peer is not null && peer.Contains("://", StringComparison.Ordinal) && Address.TryParse(peer, out _)) return [KeyPurpose.ServerAuth];
        if (peer is not null && IPEndPoint.TryParse(peer, out _)) return [KeyPurpose.ClientAuth];
        return [KeyPurpose.ServerAuth, KeyPurpose.ClientAuth];
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
                    // the chain is rebuilt against the CA alone, for the peer's purpose.
                    : Problem(certificate, PurposesOf(peer), chain);
            if (problem is null) return true;
            log?.Warning("TLS: refused peer {0}: {1}", peer, problem);
            refused?.Invoke($"{peer}: {problem}");
            return false;
        };
}
