using System.Globalization;
using Spectre.Console;

namespace Switchboard.Client.Interactive.Chat;

/// <summary>
/// The chat view on the terminal's alternate screen: a message pane, the online list and joined rooms beside
/// it, the status line, the input row at the bottom. Redrawn whole (a Spectre layout) from the console thread.
/// </summary>
public sealed class ChatScreen(ClientStatus status) : IEditView, IDisposable
{
    private const int MaxLines = 1000;
    private const int MaxSideWidth = 26, MinSideWidth = 14, MinPaneWidth = 20;
    private readonly List<(string Text, string Colour)> _lines = [];
    private bool _open;
    // The alternate screen has no scrollback: PgUp moves the pane back this many rows from its end (0: the newest).
    private int _back;
    private int _paneWidth, _paneRows;

    public void Open()
    {
        Console.Write("\u001b[?1049h\u001b[H\u001b[2J");
        _open = true;
    }

    public void Add(string text, string colour)
    {
        foreach (var line in text.Split('\n'))
        {
            _lines.Add((line.TrimEnd('\r'), colour));
            // Scrolled back, the rows read stay where they are while new ones arrive below.
            if (_back > 0 && _paneWidth > 0) _back += Wrap(line.TrimEnd('\r'), _paneWidth).Count;
        }
        if (_lines.Count > MaxLines) _lines.RemoveRange(0, _lines.Count - MaxLines);
    }

    public void Above(string line, string colour) => Add(line, colour);

    public void Done(string promptMarkup, EditBuffer buffer)
    {
        // What was entered stays in the pane, as in irssi; the input row is emptied by the next draw.
        if (buffer.Length > 0)
        {
            _back = 0; // a line entered: back to the newest, where its answer comes
            Add(Markup.Remove(promptMarkup) + buffer.Text, "grey");
        }
    }

    public void Scroll(int pages) => _back = Math.Max(0, _back + pages * Math.Max(1, _paneRows - 1));

    public void Draw(string promptMarkup, EditBuffer buffer)
    {
        var width = Math.Max(MinSideWidth + MinPaneWidth, Console.WindowWidth);
        var height = Math.Max(8, Console.WindowHeight);
        var sideWidth = SideWidth(width);
        var paneWidth = PaneWidth(width);
        var paneRows = height - 4;              // borders, status, input
        (_paneWidth, _paneRows) = (paneWidth, paneRows);
        var prompt = Markup.Remove(promptMarkup);
        var (visible, cursorCol) = InputWindow(prompt, buffer, width - 1);
        var line = status.LineWithin(width - 3); // " LINE " and the row's last column free

        var layout = new Layout("root").SplitRows(
            new Layout("body").SplitColumns(
                new Layout("messages").Update(new Panel(new Markup(Pane(paneWidth, paneRows))).Header(_back > 0 ? "messages · scrolled back: PgDn" : "messages").Expand()),
                new Layout("side").Size(sideWidth).Update(new Panel(new Markup(Side(paneRows))).Header("online").Expand())),
            new Layout("status").Size(1).Update(new Markup($"[{(status.Connected ? "black on green" : "white on red")}] {Markup.Escape(line)} [/][grey] {Markup.Escape(StatusHint(HintRoom(line, width)))}[/]")),
            new Layout("input").Size(1).Update(new Markup(promptMarkup + Markup.Escape(visible))));
        Console.Write("\u001b[?25l\u001b[H");
        AnsiConsole.Console.Profile.Height = height;
        AnsiConsole.Write(layout);
        Console.Write($"\u001b[{height};{cursorCol + 1}H\u001b[?25h");
    }

    public void Dispose()
    {
        if (!_open) return;
        _open = false;
        Console.Write("\u001b[?1049l");
        // Back on the normal screen, the last lines of the conversation stay visible.
        foreach (var (text, _) in _lines.TakeLast(5)) Console.WriteLine(text);
    }

    /// <summary>The online list's columns in a terminal <paramref name="width"/> wide: a quarter, within 14..26, so that a
    /// narrow terminal keeps most of its width for the messages (a fixed 26 left 22 columns of 50 for them).</summary>
    public static int SideWidth(int width) => Math.Clamp(width / 4, MinSideWidth, MaxSideWidth);

    private static readonly string[] HintParts = ["Tab completes", "help", "menu", "Esc leaves"];

    /// <summary>What keys do, after the status line: the entries that fit in <paramref name="room"/> columns, whole (cut
    /// at the terminal's edge, an 80-column status row ended "· menu · Esc").</summary>
    public static string StatusHint(int room)
    {
        var hint = "";
        foreach (var part in HintParts)
        {
            var longer = hint.Length == 0 ? part : hint + " · " + part;
            if (longer.GetCellWidth() > room) break;
            hint = longer;
        }
        return hint;
    }

    /// <summary>The columns the hint has after " LINE  " in a row <paramref name="width"/> wide, its last one left free.</summary>
    public static int HintRoom(string line, int width) => width - line.GetCellWidth() - 4;

    /// <summary>The message pane's columns in a terminal <paramref name="width"/> wide: what the online list, the borders
    /// and the padding leave.</summary>
    public static int PaneWidth(int width)
    {
        width = Math.Max(MinSideWidth + MinPaneWidth, width);
        return width - SideWidth(width) - 4;
    }

    /// <summary>The part of the input that fits, scrolled so the cursor is always visible, and the cursor's column.</summary>
    private static (string Visible, int CursorCol) InputWindow(string prompt, EditBuffer buffer, int width)
    {
        var room = Math.Max(4, width - prompt.GetCellWidth());
        var text = buffer.Text;
        var start = Math.Max(0, buffer.Cursor - room + 1);
        var visible = text[start..];
        if (visible.Length > room) visible = visible[..room];
        return (visible, prompt.GetCellWidth() + text[start..buffer.Cursor].GetCellWidth());
    }

    // The rows that fit, _back rows before the end; only the lines they need are wrapped (at every draw).
    private string Pane(int width, int rows)
    {
        var blocks = new List<IEnumerable<string>>();
        var count = 0;
        for (var i = _lines.Count - 1; i >= 0 && count < rows + _back; i--)
        {
            var (text, colour) = _lines[i];
            var parts = Wrap(text, width);
            blocks.Add(parts.Select(part => $"[{colour}]{Markup.Escape(part)}[/]"));
            count += parts.Count;
        }
        blocks.Reverse();
        var wrapped = blocks.SelectMany(b => b).ToList();
        _back = Math.Min(_back, Math.Max(0, wrapped.Count - rows)); // not past the first line
        return string.Join('\n', wrapped.Skip(Math.Max(0, wrapped.Count - rows - _back)).Take(rows));
    }

    private string Side(int rows)
    {
        var online = status.Online;
        var rooms = status.Rooms;
        var lines = new List<string> { $"[bold]{online.Count} online[/]" };
        lines.AddRange(online.Select(n => n == status.Name ? $"[aqua]{Markup.Escape(n)}[/] (you)" : Markup.Escape(n))); // cleaned by ClientStatus
        lines.Add("");
        lines.Add($"[bold]rooms[/]");
        lines.AddRange(rooms.Count == 0 ? ["[grey](join ROOM)[/]"] : rooms.Select(Markup.Escape));
        return string.Join('\n', lines.Take(rows));
    }

    /// <summary>How much further than its line's first row every later row is indented.</summary>
    private const int Hang = 2;

    /// <summary>
    /// A line as the pane (or the line mode) shows it, <paramref name="width"/> cells a row: broken between words (cut
    /// mid-word, help and long messages were hard to read in a narrow pane), a word longer than a row cut; a row after the
    /// first is indented <see cref="Hang"/> more than the line (at most a third of the row), so a help entry's continuation
    /// stays under it and no part of a peer's text starts a row where a line starts: a DM "hi", 300 spaces, "[alice → you]
    /// ..." showed as bob's "hi" and, under it, a DM from alice.
    /// </summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        var rows = new List<string>();
        var pad = new string(' ', Math.Min(text.Length - text.TrimStart(' ').Length + Hang, width / 3));
        var line = text;
        while (true)
        {
            // By characters as a reader sees them (an emoji and its joiners, a letter and its accents): cut between the
            // halves of one, a row ended in a stray half that the terminal and Spectre measured apart.
            var (cells, end) = (0, 0);
            while (end < line.Length)
            {
                var length = StringInfo.GetNextTextElementLength(line, end);
                var w = line.Substring(end, length).GetCellWidth();
                if (cells + w > width) break;
                cells += w;
                end += length;
            }
            if (end == line.Length) { rows.Add(line); return rows; }
            var words = line.Length - line.TrimStart(' ').Length; // where the words start: never break inside the indent
            var space = line.LastIndexOf(' ', end);
            // No space to break at: cut at the row's end, past the indent and one character at least (a line of nothing
            // but spaces, whole).
            var least = words >= line.Length ? line.Length : words + StringInfo.GetNextTextElementLength(line, words);
            int Cut() => Math.Min(line.Length, Math.Max(end, least));
            var (row, rest) = space > words ? (line[..space].TrimEnd(' '), line[(space + 1)..]) : (line[..Cut()], line[Cut()..]);
            rows.Add(row);
            rest = rest.TrimStart(' ');
            if (rest.Length == 0) return rows;
            line = pad + rest;
        }
    }
}
