using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace Switchboard.Messages.Transport.Tls;

/// <summary>Whether a server asks its peers for a certificate of the CA.</summary>
public enum ClientCertificates
{
    /// <summary>Mutual TLS: a peer without a certificate of the CA cannot open an association.</summary>
    Required,
    /// <summary>Only the server is authenticated by certificate; clients present none (and authenticate by token).</summary>
    None,
}

/// <summary>
/// Akka.Remote over TLS for one side: the hocon that turns it on (<c>hocon/tls.hocon</c>: enable-ssl, so the
/// protocol becomes <c>akka.ssl.tcp</c>) and the <see cref="DotNettySslSetup"/> that carries what is not hocon's
/// (the loaded certificate, the CA validator). The setup takes precedence over hocon's <c>ssl</c> block in Akka,
/// so the non-secret switches are read from hocon here and passed on.
/// </summary>
public sealed record TlsRemoting(Config Hocon, DotNettySslSetup Setup, bool MutualAuthentication, TlsRefusals Refusals)
{
    public const string Protocol = "akka.ssl.tcp";
    public const string PlainProtocol = "akka.tcp";
    private const string Ssl = "akka.remote.dot-netty.tcp.ssl";

    /// <summary>The protocol of this side's remoting, from its final config.</summary>
    public static string ProtocolOf(Config config) =>
        config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl", false) ? Protocol : PlainProtocol;

    /// <summary>
    /// A server (every node listens and dials other nodes): it needs its certificate and the CA. With
    /// <paramref name="clientCertificates"/> null the hocon default applies (<c>require-mutual-authentication</c>).
    /// Null when no TLS option is given.
    /// </summary>
    public static TlsRemoting? ForServer(string? certificatePath, string? caPath, ClientCertificates? clientCertificates, Config side)
    {
        if (certificatePath is null && caPath is null)
        {
            if (clientCertificates is not null) throw new TlsOptionsException("--tls-client-certs needs --tls-cert and --tls-ca");
            return null;
        }
        if (certificatePath is null || caPath is null) throw new TlsOptionsException("a TLS server needs both --tls-cert (its certificate) and --tls-ca (the CA its peers are checked against)");
        var config = WithTlsDefaults(side);
        var mutual = clientCertificates is { } mode ? mode == ClientCertificates.Required : config.GetBoolean($"{Ssl}.require-mutual-authentication", true);
        return Create(config, certificatePath, caPath, mutual, KeyPurpose.ServerAuth);
    }

    /// <summary>
    /// A client: with a certificate it presents it (mutual TLS); with only the CA it checks the server and presents
    /// nothing (for a server with <c>--tls-client-certs none</c>). Null when no TLS option is given.
    /// </summary>
    public static TlsRemoting? ForClient(string? certificatePath, string? caPath, Config side)
    {
        if (certificatePath is null && caPath is null) return null;
        if (caPath is null) throw new TlsOptionsException("--tls-cert needs --tls-ca (the CA the server is checked against)");
        return Create(WithTlsDefaults(side), certificatePath, caPath, mutual: certificatePath is not null, KeyPurpose.ClientAuth);
    }

    public static ClientCertificates ParseClientCertificates(string text) => text.ToLowerInvariant() switch
    {
        "required" => ClientCertificates.Required,
        "none" => ClientCertificates.None,
        _ => throw new TlsOptionsException($"--tls-client-certs must be 'required' or 'none', not '{text}'"),
    };

    // Refused at start what every peer would refuse at the handshake: a certificate of another CA, or one not made for
    // this side's part (a client's certificate given to a server would fail every client, each with its own warning).
    private static void Check(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, CaTrust trust, KeyPurpose purpose, bool mutual, string caPath)
    {
        if (CaTrust.Lacking(certificate, [purpose]) is { } lacking)
            throw new TlsOptionsException(purpose == KeyPurpose.ServerAuth
                ? $"--tls-cert: {lacking}, so every client would refuse this server; give a server certificate (extendedKeyUsage=serverAuth,clientAuth, as tls-certs.sh's server.pfx)"
                : $"--tls-cert: {lacking}, so every server would refuse this client; give a client certificate (extendedKeyUsage=clientAuth, as tls-certs.sh's client.pfx)");
        if (trust.Problem(certificate, [purpose]) is { } problem)
            throw new TlsOptionsException($"--tls-cert: {problem} (--tls-ca {caPath})");
        // A node also dials the other nodes sharing its segment, which then check it as a client: not fatal (one node alone
        // never dials), but said once, since those links would fail.
        if (purpose == KeyPurpose.ServerAuth && mutual && CaTrust.Lacking(certificate, [KeyPurpose.ClientAuth]) is { } notClient)
            Console.Error.WriteLine($"warning: --tls-cert: {notClient}: other nodes sharing this segment will refuse this node when it dials them");
    }

    private static Config WithTlsDefaults(Config side) =>
        side.WithFallback(SwitchboardConfig.Load(SwitchboardConfig.DefaultPath("tls.hocon")));

    /// <param name="purpose">What this side's own certificate is for: a server's is dialled (serverAuth), a client's dials.</param>
    private static TlsRemoting Create(Config config, string? certificatePath, string caPath, bool mutual, KeyPurpose purpose)
    {
        if (!config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl", false))
            throw new TlsOptionsException("TLS options were given but the configuration sets akka.remote.dot-netty.tcp.enable-ssl = false");
        if (config.GetBoolean($"{Ssl}.suppress-validation", false))
            throw new TlsOptionsException($"{Ssl}.suppress-validation = true is refused: every peer is checked against --tls-ca");
        var checkHostname = config.GetBoolean($"{Ssl}.validate-certificate-hostname", false);
        var trust = new CaTrust(TlsFiles.LoadCa(caPath));
        var certificate = certificatePath is null ? null : TlsFiles.LoadCertificate(certificatePath);
        if (certificate is not null) Check(certificate, trust, purpose, mutual, caPath);
        // A client without a certificate still listens (Akka.Remote always does); its listener has no certificate to
        // offer and refuses inbound TLS, which a client never needs: replies come back over its own connection.
        var refusals = new TlsRefusals();
        var setup = new DotNettySslSetup(certificate!, suppressValidation: false, requireMutualAuthentication: mutual,
            validateCertificateHostname: checkHostname, customValidator: trust.Validator(checkHostname, refusals.Add));
        var hocon = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = on");
        return new TlsRemoting(hocon, setup, mutual, refusals);
    }
}
