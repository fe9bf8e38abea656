using System.CommandLine;
using Akka.Configuration;

namespace Switchboard.Server.Security;

/// <summary>The server's TLS options: its certificate, the CA every peer is checked against, and whether peers need one.</summary>
public sealed record ServerTls(string? Certificate, string? Ca, string? ClientCertificates)
{
    public static readonly ServerTls Off = new(null, null, null);

    /// <summary>Adds --tls-cert, --tls-ca and --tls-client-certs to <paramref name="command"/>; the result reads them back.</summary>
    public static Func<ParseResult, ServerTls> AddOptions(Command command)
    {
        var cert = new Option<string?>("--tls-cert") { HelpName = "F.pfx", Description = $"This node's certificate and key (PKCS#12 .pfx; its password in ${TlsFiles.PasswordVariable}): Akka.Remote over TLS" };
        var ca = new Option<string?>("--tls-ca") { HelpName = "CA.pem", Description = "The CA (PEM) every peer's certificate must chain to; the machine's store is not used" };
        var clients = new Option<string?>("--tls-client-certs") { Description = "required (default): every peer presents a certificate of the CA; none: only this server is authenticated by certificate" };
        clients.AcceptOnlyFromAmong("required", "none");
        command.Options.Add(cert);
        command.Options.Add(ca);
        command.Options.Add(clients);
        return r => new ServerTls(r.GetValue(cert), r.GetValue(ca), r.GetValue(clients));
    }

    /// <summary>The remoting setup, or null without TLS options; a <see cref="TlsOptionsException"/> for bad options or files.</summary>
    public TlsRemoting? Load(Config hocon) =>
        TlsRemoting.ForServer(Certificate, Ca, ClientCertificates is null ? null : TlsRemoting.ParseClientCertificates(ClientCertificates), hocon);
}
