using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// A connection closed because its bytes were not Akka.Remote's frames, in one warning line: "refused peer ADDRESS:
/// REASON; connection closed". Akka's DotNetty transport logs it as an error with DotNetty's exception and stack
/// (~950 characters), and again as the channel closes (the decoder's leftover bytes); anyone who can reach the port
/// causes it with 8 bytes. <see cref="Of"/> keeps the first in words and marks the repeat <see cref="LogLevel.Debug"/>
/// (shown with --debug-akka). Matched on Akka's message template and DotNetty's exception names (Akka.Remote 1.5.73):
/// GarbageFrameSpecs fails should an upgrade change them.
/// </summary>
public static partial class FrameRefusalLine
{
    /// <summary>All of them count against one quota (<see cref="LogFlood"/>).</summary>
    public const string Category = "frames";

    /// <summary>The level and line to write for <paramref name="e"/>, or null when it is not about a peer's bad frame.</summary>
    public static (LogLevel Level, string Text)? Of(LogEvent e)
    {
        if (e.Message is not LogMessage { Format: "Error caught channel [{0}->{1}](Id={2})" } m || e is not Error) return null;
        var p = m.Parameters().ToArray();
        if (p.Length != 3 || Innermost(e.Cause) is not { } why) return null;
        var kind = why.GetType().FullName;
        if (kind is not ("DotNetty.Codecs.TooLongFrameException" or "DotNetty.Codecs.CorruptedFrameException")) return null;
        // The decoder's bytes left over as the channel closes: the same connection, already said.
        if (why.StackTrace?.Contains("ChannelInactive", StringComparison.Ordinal) == true)
            return (LogLevel.Debug, $"frames: {TlsRefusalLine.Peer(p[1])} closed with the rest of a refused frame unread");
        return (LogLevel.Warning, $"refused peer {TlsRefusalLine.Peer(p[1])}: {Reason(why)}; connection closed");
    }

    private static string Reason(Exception why)
    {
        if (TooLong().Match(why.Message) is { Success: true } big && long.TryParse(big.Groups[1].Value, out var max) && long.TryParse(big.Groups[2].Value, out var length))
            return string.Create(CultureInfo.InvariantCulture,
                $"its length field announced a frame of {length:N0} bytes, over the frame size of {max:N0} bytes (not a Switchboard peer, or a message too large)");
        if (Negative().Match(why.Message) is { Success: true } negative)
            return $"its bytes are not Akka.Remote's framing (a length field of {negative.Groups[1].Value})";
        return $"its bytes are not Akka.Remote's framing ({LogText.Clean(why.Message)})";
    }

    [GeneratedRegex(@"exceeds (\d+): (\d+)")]
    private static partial Regex TooLong();

    [GeneratedRegex(@"negative pre-adjustment length field: (-\d+)")]
    private static partial Regex Negative();

    private static Exception? Innermost(Exception? e)
    {
        while (e?.InnerException is { } inner) e = inner;
        return e;
    }
}
