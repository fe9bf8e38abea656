using System.Text;

namespace Switchboard.Server.Rooms;

/// <summary>What a chat text and a room name must look like; checked on the server before any work.</summary>
public static class ChatRules
{
    /// <summary>Null when the text may be sent, else why not.</summary>
    public static string? TextError(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "message is empty";
        // Cheap upper bound first: UTF-8 needs at most 3 bytes per UTF-16 unit.
        if (text.Length * 3 > Limits.MaxTextBytes && Encoding.UTF8.GetByteCount(text) > Limits.MaxTextBytes)
            return $"message is longer than {Limits.MaxTextBytes} bytes";
        foreach (var c in text)
            if (char.IsControl(c)) return "message may not contain control characters";
        foreach (var c in text)
            if (IsLineOrDirectionBreaker(c)) return "message may not contain line separators or bidirectional formatting";
        return null;
    }

    /// <summary>Not control characters, yet they break or reorder the reader's line: a text reading otherwise than it is
    /// written ("pay bob \u202e001$" shows as "pay bob $100"), or a second line under the sender's name. The marks (U+200E,
    /// U+200F) and joiners are not: they are part of writing. Chat refuses them; the log escapes them (LogText).</summary>
    public static bool IsLineOrDirectionBreaker(char c) =>
        c is '\u2028' or '\u2029' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069';

    /// <summary>"#name" for a valid room ("games" and "#games" are the same room), else null.</summary>
    public static string? NormalizeRoom(string? room)
    {
        if (room is null) return null;
        var bare = room.StartsWith('#') ? room[1..] : room;
        return Limits.NameError(bare) is null ? "#" + bare : null;
    }
}
