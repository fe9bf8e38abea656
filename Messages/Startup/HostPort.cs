using System.Globalization;

namespace Switchboard.Messages.Startup;

/// <summary>
/// HOST:PORT as every option of both programs spells it (<c>--server</c>, <c>--seeds</c>, <c>--monitor</c>): a name or
/// IPv4 literal, or an IPv6 literal in brackets (<c>[::1]:4053</c>), and a port 1..65535. The one parser, so the
/// options cannot disagree on what an address is.
/// </summary>
public readonly record struct HostPort(string Host, int Port)
{
    public const int MaxPort = 65535;

    /// <summary>Is <paramref name="port"/> a port number (<paramref name="min"/> 0 when 0 means "pick a free one")?</summary>
    public static bool IsPort(int port, int min = 1) => port >= min && port <= MaxPort;

    /// <summary>The address, or null and <paramref name="problem"/>: what is wrong, in words a person can act on.</summary>
    /// <param name="example">An address of the kind the option wants, for the problem (the client port by default).</param>
    public static HostPort? Parse(string? text, out string? problem, string example = "127.0.0.1:4053")
    {
        problem = null;
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
