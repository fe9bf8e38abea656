using Spectre.Console;

namespace Switchboard.Client.Interactive.Editing;

/// <summary>
/// The input drawn at the bottom of ordinary scrolling output. Every change redraws the prompt and the whole
/// input from the prompt's first row, so a line that wraps over several rows stays intact, and a notice
/// printed above it never lands inside it.
/// </summary>
public sealed class InlineView : IEditView
{
    private int _row; // the cursor's screen row, counted from the prompt's first row

    public void Draw(string promptMarkup, EditBuffer buffer)
    {
        Clear();
        var width = Math.Max(1, Console.WindowWidth);
        var promptCells = Markup.Remove(promptMarkup).GetCellWidth();
        AnsiConsole.Markup(promptMarkup);
        Console.Write(buffer.Text);
        var end = promptCells + buffer.Text.GetCellWidth();
        // A row filled to the last column leaves the cursor there until the next character: step onto the next row,
        // so the cursor's row is always cells / width.
        if (end > 0 && end % width == 0) Console.Write("\r\n");
        var at = promptCells + buffer.BeforeCursor.GetCellWidth();
        var up = end / width - at / width;
        if (up > 0) Console.Write($"\u001b[{up}A");
        Console.Write($"\u001b[{at % width + 1}G");
        _row = at / width;
    }

    // Wrapped here rather than by Spectre, which breaks between words too but starts every row at the left edge: a peer's
    // text after a run of spaces showed as a line of its own (ChatScreen.Wrap indents the rows after the first).
    public void Above(string line, string colour)
    {
        Clear();
        foreach (var row in Chat.ChatScreen.Wrap(line, Math.Max(1, Console.WindowWidth)))
            AnsiConsole.MarkupLine($"[{colour}]{Markup.Escape(row)}[/]");
    }

    public void Done(string promptMarkup, EditBuffer buffer)
    {
        buffer.End();
        Draw(promptMarkup, buffer);
        Console.WriteLine();
        _row = 0;
    }

    /// <summary>Moves to the prompt's first row and clears everything from there down.</summary>
    private void Clear()
    {
        if (_row > 0) Console.Write($"\u001b[{_row}A");
        Console.Write("\r\u001b[J");
        _row = 0;
    }

    // The line mode's output is the terminal's: its own scrollback pages through it.
    public void Scroll(int pages) { }
}
