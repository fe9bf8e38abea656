using System.CommandLine;
using Akka.Configuration;

namespace Switchboard.Client.Hosting;

/// <summary>
/// The client's TLS options: the CA the server must chain to, and optionally this client's certificate (for a server
/// that requires one). With only --tls-ca the client checks the server and presents nothing.
/// </summary>
public sealed record ClientTls(string? Certificate, string? Ca)
{
    public static readonly ClientTls Off = new(null, null);

    public static Func<ParseResult, ClientTls> AddOptions(System.CommandLine.Command command)
    {
        var cert = new Option<string?>("--tls-cert") { Description = $"This client's certificate and key (PKCS#12 .pfx; its password in ${TlsFiles.PasswordVariable}), for a server that requires one" };
        var ca = new Option<string?>("--tls-ca") { Description = "The CA (PEM) the server's certificate must chain to: connect over TLS (akka.ssl.tcp)" };
        command.Options.Add(cert);
        command.Options.Add(ca);
        return r => new ClientTls(r.GetValue(cert), r.GetValue(ca));
    }

    /// <summary>The remoting setup, or null without TLS options; a <see cref="TlsOptionsException"/> for bad options or files.</summary>
    public TlsRemoting? Load(Config hocon) => TlsRemoting.ForClient(Certificate, Ca, hocon);

    /// <summary>What a client that could not connect over TLS adds to "no server answered".</summary>
    public static string Explain(TlsRemoting tls) => tls.Refusals.Last is { } why
        ? $"TLS: this client refused the server's certificate: {why}"
        : tls.MutualAuthentication
            ? "TLS: or the server refused this client's certificate (not signed by the CA it trusts)"
            : "TLS: or the server requires a client certificate (give --tls-cert), or it does not speak TLS";
}
