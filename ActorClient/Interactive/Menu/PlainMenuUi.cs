namespace Switchboard.Client.Interactive.Menu;

/// <summary>A console that cannot draw (TERM=dumb): plain lines, the terminal's own line editing, notices before each prompt.
/// <paramref name="width"/> is the terminal's columns (<see cref="ConsoleWidth"/> unless given).</summary>
public sealed class PlainMenuUi(TextReader input, TextWriter output, Notices notices, ClientStatus status, Func<int>? width = null) : IMenuUi
{
    private readonly Func<int> _width = width ?? ConsoleWidth;

    /// <summary>The console's columns, or 80 when it cannot say (output redirected, a terminal that reports none).</summary>
    public static int ConsoleWidth()
    {
        try
        {
            return Console.WindowWidth is > 0 and var w ? w : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    // Every line is wrapped here as the line mode and the chat view wrap theirs (ChatScreen.Wrap: rows after a line's
    // first indented further), not by the terminal, which starts each row at the left edge and keeps the spaces: a peer's
    // text padded to the width put its tail where a line starts, as a notice "* [alice → you] ..." of its own.
    private void Line(string text)
    {
        foreach (var part in text.Split('\n'))
            foreach (var row in Chat.ChatScreen.Wrap(part, Math.Max(1, _width())))
                output.WriteLine(row);
    }
    public void Menu(string title, IReadOnlyList<string> choices)
    {
        Flush();
        Line(title);
        for (var i = 0; i < choices.Count; i++) Line($"  {i + 1}. {choices[i]}");
        Line(CommandHelp.MenuHint(status.Name));
    }

    public ReadResult ReadCommand()
    {
        Flush();
        output.Write($"[{status.Line}] > ");
        output.Flush();
        return input.ReadLine() switch
        {
            null => ReadResult.End,
            "\u001b" => ReadResult.Escape, // Esc then Enter: a cooked terminal sends no lone key
            var line => new ReadResult(ReadOutcome.Line, line),
        };
    }

    public int? Choose(string title, IReadOnlyList<string> choices)
    {
        while (true)
        {
            Flush();
            Line(title);
            for (var i = 0; i < choices.Count; i++) Line($"  {i + 1}. {choices[i]}");
            output.Write("> ");
            output.Flush();
            var line = input.ReadLine();
            if (line is null or "\u001b") return null;
            if (MenuChoice.Parse(line, choices) is { } picked) return picked;
            Line($"please type a number from 1 to {choices.Count}");
        }
    }

    // Plain lines have no Tab: the answer is read as typed.
    public string? Ask(string prompt, Completes completes = Completes.Nothing)
    {
        Flush();
        output.Write(prompt + " ");
        output.Flush();
        return input.ReadLine() is { } line && line != "\u001b" ? line.Trim() : null;
    }

    public string? AskSecret(string prompt)
    {
        Flush();
        // The terminal's own line editing would echo it: keys are read unechoed, as --password's first prompt is.
        if (!Console.IsInputRedirected) return PasswordSource.ReadHidden(prompt, out _);
        output.Write(prompt + " ");
        output.Flush();
        return input.ReadLine() is { } line && line != "\u001b" ? line : null;
    }

    public bool Confirm(string question)
    {
        output.Write(question + " [y/N] ");
        output.Flush();
        return input.ReadLine()?.Trim() is null or "y" or "Y" or "yes";
    }

    public void ShowNotices() => Flush();
    public void Good(string text) => Line(text);
    public void Bad(string text) => Line("error: " + text);
    public void Info(string text) => Line(text);

    public void Table(string title, string[] columns, IEnumerable<string[]> rows)
    {
        Line(title);
        Line("  " + string.Join(" | ", columns));
        foreach (var r in rows) Line("  " + string.Join(" | ", r));
    }

    // A plain console cannot redraw: notices wait for the next prompt.
    private void Flush()
    {
        while (notices.TryTake(out var line)) Line("* " + line);
    }

    public void Dispose() { }
}
