using Spectre.Console;

namespace Switchboard.Client.Interactive.Chat;

/// <summary>A table as lines of the chat pane, aligned as the line mode's tables are: each column as wide as its widest
/// cell, counted in terminal cells (the last column is left as is: a message's text may be long, and the pane wraps it).</summary>
public static class PaneTable
{
    /// <summary>The heading line, then a line per row.</summary>
    public static string[] Lines(string[] columns, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(columns).ToArray();
        var widths = columns.Select((_, i) => all.Max(r => i < r.Length ? r[i].GetCellWidth() : 0)).ToArray();
        return [.. all.Select(cells => "  " + string.Join("  ", cells.Select((c, i) =>
            i == cells.Length - 1 || i >= widths.Length ? c : c + new string(' ', widths[i] - c.GetCellWidth()))))];
    }
}
