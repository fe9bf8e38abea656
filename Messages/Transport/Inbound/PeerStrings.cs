namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// Bounds on the strings a peer writes into Akka.Remote's own fields, which no serializer of ours reads: the origin of
/// its handshake and the actor paths of its envelopes and references. Akka keeps both: an origin in its endpoint
/// registry and gates (and the node in its ledgers of origins), a path in per-thread caches of 1,024 entries each.
/// Unbounded, a stranger that never registered made a node hold 1.3 GB with 300 handshakes naming a 400 KB host, and
/// 2 GB with 1,000 messages naming distinct 400 KB sender paths.
/// </summary>
public static class PeerStrings
{
    /// <summary>The longest actor path (characters) a peer may name: a client's is under 400 even with a 253-character host,
    /// a node door's or a session's shorter still.</summary>
    public const int MaxPath = 1024;

    /// <summary>A DNS name is at most 253 characters; an IPv6 literal with its brackets and zone fits too.</summary>
    public const int MaxHost = 255;

    public const int MaxSystem = 64;

    public const int MaxProtocol = 16;

    /// <summary>May a peer name this path (a recipient, a sender, a reference in a message)?</summary>
    public static bool IsPath(string? path) => path is null || path.Length <= MaxPath;

    /// <summary>Null when a handshake's origin can be an actor system's address, else why not. The reason never quotes
    /// the peer's strings: they are what is refused.</summary>
    public static string? OriginError(string system, string host, string protocol)
    {
        if (system.Length is 0 or > MaxSystem || !char.IsAsciiLetterOrDigit(system[0]) || !All(system, c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            return $"its system name is not one (1-{MaxSystem} ASCII letters, digits, '-' and '_'; {system.Length} characters)";
        if (host.Length is 0 or > MaxHost || !All(host, c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']' or '%'))
            return $"its host is not a host name or an IP address ({host.Length} characters)";
        if (protocol.Length is 0 or > MaxProtocol || !All(protocol, c => char.IsAsciiLetterOrDigit(c) || c == '.'))
            return $"its protocol is not one ({protocol.Length} characters)";
        return null;
    }

    private static bool All(string s, Func<char, bool> ok)
    {
        foreach (var c in s)
            if (!ok(c)) return false;
        return true;
    }
}
