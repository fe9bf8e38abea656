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
        return Create(config, certificatePath, caPath, mutual);
    }

    /// <summary>
    /// A client: with a certificate it presents it (mutual TLS); with only the CA it checks the server and presents
    /// nothing (for a server with <c>--tls-client-certs none</c>). Null when no TLS option is given.
    /// </summary>
    public static TlsRemoting? ForClient(string? certificatePath, string? caPath, Config side)
    {
        if (certificatePath is null && caPath is null) return null;
        if (caPath is null) throw new TlsOptionsException("--tls-cert needs --tls-ca (the CA the server is checked against)");
        return Create(WithTlsDefaults(side), certificatePath, caPath, mutual: certificatePath is not null);
    }

    public static ClientCertificates ParseClientCertificates(string text) => text.ToLowerInvariant() switch
    {
        "required" => ClientCertificates.Required,
        "none" => ClientCertificates.None,
        _ => throw new TlsOptionsException($"--tls-client-certs must be 'required' or 'none', not '{text}'"),
    };

    private static Config WithTlsDefaults(Config side) =>
        side.WithFallback(SwitchboardConfig.Load(SwitchboardConfig.DefaultPath("tls.hocon")));

    private static TlsRemoting Create(Config config, string? certificatePath, string caPath, bool mutual)
    {
        if (!config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl", false))
            throw new TlsOptionsException("TLS options were given but the configuration sets akka.remote.dot-netty.tcp.enable-ssl = false");
        if (config.GetBoolean($"{Ssl}.suppress-validation", false))
            throw new TlsOptionsException($"{Ssl}.suppress-validation = true is refused: every peer is checked against --tls-ca");
        var checkHostname = config.GetBoolean($"{Ssl}.validate-certificate-hostname", false);
        var trust = new CaTrust(TlsFiles.LoadCa(caPath));
        var certificate = certificatePath is null ? null : TlsFiles.LoadCertificate(certificatePath);
        if (certificate is not null && trust.Problem(certificate) is { } problem)
            throw new TlsOptionsException($"--tls-cert: {problem} (--tls-ca {caPath})");
        // A client without a certificate still listens (Akka.Remote always does); its listener has no certificate to
        // offer and refuses inbound TLS, which a client never needs: replies come back over its own connection.
        var refusals = new TlsRefusals();
        var setup = new DotNettySslSetup(certificate!, suppressValidation: false, requireMutualAuthentication: mutual,
            validateCertificateHostname: checkHostname, customValidator: trust.Validator(checkHostname, refusals.Add));
        var hocon = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = on");
        return new TlsRemoting(hocon, setup, mutual, refusals);
    }
}
