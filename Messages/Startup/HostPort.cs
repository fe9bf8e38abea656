using System.Globalization;

namespace Switchboard.Messages.Startup;

/// <summary>
/// HOST:PORT as every option of both programs spells it (<c>--server</c>, <c>--seeds</c>, <c>--monitor</c>): a name or
/// IPv4 literal, or an IPv6 literal in brackets (<c>[::1]:4053</c>), and a port 1..65535. The one parser, so the
/// options cannot disagree on what an address is. The addresses the programs print are taken too, pasted whole: the
/// actor system's (<c>listening on akka.tcp://switchboard@HOST:PORT</c>) where a node is meant, the endpoint's
/// (<c>http://HOST:PORT/</c>) where the monitoring endpoint is.
/// </summary>
public readonly record struct HostPort(string Host, int Port)
{
    public const int MaxPort = 65535;

    /// <summary>Which printed address an option takes besides HOST:PORT.</summary>
    public enum Form
    {
        /// <summary>A node's: <c>akka.tcp://SYSTEM@HOST:PORT</c> or <c>akka.ssl.tcp://SYSTEM@HOST:PORT</c>.</summary>
        Node,
        /// <summary>The monitoring endpoint's: <c>http://HOST:PORT</c>, a trailing <c>/</c> allowed.</summary>
        Web,
    }

    /// <summary>Is <paramref name="port"/> a port number (<paramref name="min"/> 0 when 0 means "pick a free one")?</summary>
    public static bool IsPort(int port, int min = 1) => port >= min && port <= MaxPort;

    /// <summary>The address, or null and <paramref name="problem"/>: what is wrong, in words a person can act on.</summary>
    /// <param name="example">An address of the kind the option wants, for the problem (the client port by default).</param>
    /// <param name="form">The printed address also taken (a node's by default).</param>
    public static HostPort? Parse(string? text, out string? problem, string example = "127.0.0.1:4053", Form form = Form.Node)
    {
        problem = null;
        // A URL is not HOST:PORT: without this its "//" would read as an IPv6 address without brackets.
        if (text?.IndexOf("://", StringComparison.Ordinal) is > 0 and var scheme)
        {
            var rest = Unprefixed(text, scheme, form);
            if (rest is null)
            {
                problem = form == Form.Node
                    ? $"wants HOST:PORT, e.g. {example}, or the address the server prints, akka.tcp://switchboard@{example} (got '{text}')"
                    : $"wants HOST:PORT or http://HOST:PORT, e.g. {example} (got '{text}')";
                return null;
            }
            text = rest;
        }
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            problem = $"wants HOST:PORT, e.g. {example} (got '{text}')";
            return null;
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':'))
        {
            problem = $"an IPv6 address needs brackets, e.g. [::1]:4053 (got '{text}')";
            return null;
        }
        var portText = text[(colon + 1)..];
        if (host.Length == 0 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || !IsPort(port))
        {
            problem = host.Length == 0 ? $"has no host (got '{text}')" : $"port must be a number from 1 to {MaxPort} (got '{portText}')";
            return null;
        }
        return new HostPort(host, port);
    }

    // The HOST:PORT inside a printed address of the form wanted, null if it is another kind of URL.
    private static string? Unprefixed(string text, int scheme, Form form)
    {
        var rest = text[(scheme + 3)..].TrimEnd('/');
        switch (form, text[..scheme].ToLowerInvariant())
        {
            case (Form.Node, "akka.tcp" or "akka.ssl.tcp"):
                var at = rest.IndexOf('@');
                return at > 0 && !rest.Contains('/') ? rest[(at + 1)..] : null;
            case (Form.Web, "http"):
                return rest.Contains('/') || rest.Contains('@') ? null : rest;
            default:
                return null;
        }
    }

    /// <summary>A comma-separated list of HOST:PORT; null and the first bad entry's problem when any is wrong.</summary>
    public static IReadOnlyList<HostPort>? ParseList(string? text, out string? problem)
    {
        problem = null;
        var list = new List<HostPort>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Parse(part, out problem) is not { } one) return null;
            list.Add(one);
        }
        if (list.Count == 0) problem = "wants HOST:PORT[,HOST:PORT...]";
        return list.Count == 0 ? null : list;
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
