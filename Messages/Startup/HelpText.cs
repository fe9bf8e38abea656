namespace Switchboard.Messages.Startup;

/// <summary>Help text shared by the server's and the client's <c>--help</c>.</summary>
public static class HelpText
{
    /// <summary>
    /// <paramref name="items"/> joined by " · " on lines of at most <paramref name="width"/> characters, each
    /// line after <paramref name="indent"/>: help written from a table reads as the hand-wrapped lines did.
    /// </summary>
    public static string Wrap(IEnumerable<string> items, string indent, int width = 112)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var item in items)
        {
            if (line.Length > 0 && indent.Length + line.Length + 3 + item.Length > width)
            {
                lines.Add(indent + line);
                line = "";
            }
            line = line.Length == 0 ? item : $"{line} · {item}";
        }
        if (line.Length > 0) lines.Add(indent + line);
        return string.Join('\n', lines);
    }
}
