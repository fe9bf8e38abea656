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
        return null;
    }

    /// <summary>"#name" for a valid room ("games" and "#games" are the same room), else null.</summary>
    public static string? NormalizeRoom(string? room)
    {
        if (room is null) return null;
        var bare = room.StartsWith('#') ? room[1..] : room;
        return Limits.NameError(bare) is null ? "#" + bare : null;
    }
}
