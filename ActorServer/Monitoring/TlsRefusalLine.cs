using System.Net;
using System.Security.Authentication;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// A refused TLS connection in one warning line: "TLS: refused peer ADDRESS: REASON". Akka's DotNetty transport says
/// each refusal in two to four lines (its own warning or ours from the CA validator, an error with a stack and
/// troubleshooting advice meant for a broken server, a hex dump of a plaintext peer's bytes, "likely malicious
/// traffic"); <see cref="Of"/> keeps the one that names the reason, in words, and marks Akka's repeats
/// <see cref="LogLevel.Debug"/> (shown with --debug-akka). Matched on Akka's message templates (Akka.Remote 1.5.73):
/// TlsSpecs fails should an upgrade change them.
/// </summary>
public readonly record struct TlsRefusalLine(LogLevel Level, string Text)
{
    /// <summary>All of them count against one quota (<see cref="LogFlood"/>), whichever Akka component said it.</summary>
    public const string Category = "tls";

    /// <summary>The line to write for <paramref name="e"/>, or null when it is not about a refused TLS connection.</summary>
    public static TlsRefusalLine? Of(LogEvent e)
    {
        if (e.Message is not LogMessage m || e is not (Warning or Error)) return null;
        var p = m.Parameters().ToArray();
        return m.Format switch
        {
            // Akka checks for a client certificate itself, before our validator: ours never sees this peer.
            "Mutual TLS required but client did not provide a certificate from {0}" when p.Length == 1 =>
                Refused(p[0], "presented no certificate (this port requires one: signed by the server's CA, or on a cluster's node port made from the cluster secret)"),
            // Ours (CaTrust): a certificate of another CA, or not valid.
            "TLS: refused peer {0}: {1}" when p.Length == 2 => Refused(p[0], $"{p[1]}"),
            "TLS handshake failed on channel [{0}->{1}](Id={2})\n{3}" when p.Length == 4 && e.Cause is { } cause => HandshakeFailed(p[1], cause),
            "Rejected incoming connection from [{0}] due to TLS handshake failure. This is likely invalid or malicious traffic." => Repeat(m),
            // A plaintext peer's first bytes, caught before the handshake's own failure (which says it).
            "Error caught channel [{0}->{1}](Id={2})" when Innermost(e.Cause)?.GetType().Name == "NotSslRecordException" => Repeat(m),
            _ => null,
        };
    }

    private static TlsRefusalLine HandshakeFailed(object? peer, Exception cause)
    {
        var why = Innermost(cause)!;
        return why switch
        {
            // Refused by a certificate check that already said why (Akka's or ours, above).
            AuthenticationException when why.Message.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal) =>
                new(LogLevel.Debug, $"TLS: handshake with {Peer(peer)} ended by the certificate check"),
            // A plaintext peer: a client started without --tls-ca, an akka.tcp node, or not a Switchboard peer at all.
            _ when why.GetType().Name == "NotSslRecordException" =>
                Refused(peer, "not TLS (a client or node without TLS options, or not a Switchboard peer)"),
            // DotNetty's word for a peer that hung up before the handshake ended (a port probe, a health check):
            // nothing was refused. A peer that refuses this server's certificate says so with an alert (below).
            IOException { Message: "Channel is closed" } when why.GetType() == typeof(IOException) =>
                new(LogLevel.Debug, $"TLS: {Peer(peer)} closed its connection before the handshake"),
            _ => Refused(peer, $"the TLS handshake failed: {OneLine(why.Message)}"),
        };
    }

    private static TlsRefusalLine Refused(object? peer, string reason) => new(LogLevel.Warning, $"TLS: refused peer {Peer(peer)}: {reason}");

    private static TlsRefusalLine Repeat(LogMessage m) => new(LogLevel.Debug, OneLine(m.ToString() ?? ""));

    /// <summary>The peer's address as a user reads it: "127.0.0.1:5000", not the socket's "[::ffff:127.0.0.1]:5000".</summary>
    internal static string Peer(object? peer)
    {
        var ep = peer as IPEndPoint ?? (IPEndPoint.TryParse($"{peer}", out var parsed) ? parsed : null);
        if (ep is null) return $"{peer}";
        return ep.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ep.Address.MapToIPv4(), ep.Port).ToString() : ep.ToString();
    }

    // The handshake's own exception under Akka's and the TLS stack's wrappers.
    private static Exception? Innermost(Exception? e)
    {
        while (e?.InnerException is { } inner) e = inner;
        return e;
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
