using System.Text;
using Spectre.Console;

namespace Switchboard.Client;

/// <summary>
/// Reads one line from the keyboard while notices keep arriving: a notice clears the prompt line, prints
/// itself above it, and redraws the prompt with what was typed so far, so nothing typed is lost or garbled.
/// (Spectre's own prompts redraw from a fixed position and are corrupted by output from another thread.)
/// </summary>
public sealed class LineEditor(Notices notices, CancellationToken interrupted)
{
    private static readonly TimeSpan KeyPoll = TimeSpan.FromMilliseconds(25);

    /// <summary>The typed line, or null on Ctrl-C, Ctrl-D, Escape or an interrupt signal.</summary>
    public string? ReadLine(string promptMarkup)
    {
        var buffer = new StringBuilder();
        Console.TreatControlCAsInput = true;
        AnsiConsole.Markup(promptMarkup);
        while (true)
        {
            while (!Console.KeyAvailable)
            {
                if (interrupted.IsCancellationRequested)
                {
                    Console.WriteLine();
                    return null;
                }
                ShowNotices(promptMarkup, buffer);
                notices.WaitAsync(KeyPoll).Wait();
            }
            if (interrupted.IsCancellationRequested) return null;
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return buffer.ToString();
            }
            if (key.Key == ConsoleKey.Escape || (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.C or ConsoleKey.D))
            {
                Console.WriteLine();
                return null;
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (buffer.Length == 0) continue;
                // Redraw rather than "\b \b": the input may have wrapped onto several screen rows.
                var row = CursorRow(promptMarkup, buffer);
                buffer.Length -= buffer.Length > 1 && char.IsLowSurrogate(buffer[^1]) ? 2 : 1;
                ClearInput(row);
                AnsiConsole.Markup(promptMarkup);
                Console.Write(buffer.ToString());
            }
            else if (!char.IsControl(key.KeyChar))
            {
                buffer.Append(key.KeyChar);
                Console.Write(key.KeyChar);
            }
        }
    }

    /// <summary>Prints queued notices above the prompt and redraws it with what was typed so far.</summary>
    public void ShowNotices(string? promptMarkup = null, StringBuilder? typed = null)
    {
        if (!notices.TryTake(out var first)) return;
        ClearInput(promptMarkup is null ? 0 : CursorRow(promptMarkup, typed));
        for (var line = first; line is not null; line = notices.TryTake(out var next) ? next : null)
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(line)}[/]");
        if (promptMarkup is null) return;
        AnsiConsole.Markup(promptMarkup);
        Console.Write(typed?.ToString());
    }

    /// <summary>The screen row of the cursor within the input, counted from the prompt's first row.</summary>
    private static int CursorRow(string promptMarkup, StringBuilder? typed)
    {
        var width = Math.Max(1, Console.WindowWidth);
        var cells = Markup.Remove(promptMarkup).GetCellWidth() + (typed?.ToString().GetCellWidth() ?? 0);
        // A row filled to the last column keeps the cursor on it until the next character.
        return Math.Max(0, cells - 1) / width;
    }

    /// <summary>Moves to the prompt's first row and clears everything from there down.</summary>
    private static void ClearInput(int row)
    {
        if (row > 0) Console.Write($"\u001b[{row}A");
        Console.Write("\r\u001b[J");
    }
}
