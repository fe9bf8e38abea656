namespace Switchboard.Messages.Startup;

/// <summary>Help text shared by the server's and the client's <c>--help</c>.</summary>
public static class HelpText
{
    /// <summary>A terminal's usual width: help past it wraps and breaks its own columns.</summary>
    public const int Width = 80;

    /// <summary>
    /// <paramref name="head"/> then <paramref name="text"/> from <paramref name="column"/> on, its words on lines of at most
    /// <paramref name="width"/> characters, each further line indented to that column; a head too long for the column
    /// has the text start on the next line.
    /// </summary>
    public static string Hang(string head, int column, string text, int width = Width)
    {
        var lines = new List<string>();
        var line = head.Length + 1 <= column ? head.PadRight(column) : null;
        if (line is null)
        {
            lines.Add(head);
            line = new string(' ', column);
        }
        var empty = true;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = new string(' ', column);
                empty = true;
            }
            line += empty ? word : " " + word;
            empty = false;
        }
        lines.Add(line.TrimEnd());
        return string.Join('\n', lines);
    }

    /// <summary>
    /// <paramref name="items"/> joined by " · " on lines of at most <paramref name="width"/> characters, each
    /// line after <paramref name="indent"/> (the first after <paramref name="lead"/> when given): help written from a
    /// table reads as the hand-wrapped lines did.
    /// </summary>
    public static string Wrap(IEnumerable<string> items, string indent, int width = Width, string? lead = null)
    {
        var lines = new List<string>();
        var prefix = lead ?? indent;
        var line = "";
        foreach (var item in items)
        {
            if (line.Length > 0 && prefix.Length + line.Length + 3 + item.Length > width)
            {
                lines.Add(prefix + line);
                prefix = indent;
                line = "";
            }
            line = line.Length == 0 ? item : $"{line} · {item}";
        }
        if (line.Length > 0) lines.Add(prefix + line);
        return string.Join('\n', lines);
    }
}
