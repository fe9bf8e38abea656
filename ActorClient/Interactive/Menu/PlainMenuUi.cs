namespace Switchboard.Client.Interactive.Menu;

/// <summary>A console that cannot draw (TERM=dumb): plain lines, the terminal's own line editing, notices before each prompt.</summary>
public sealed class PlainMenuUi(TextReader input, TextWriter output, Notices notices, ClientStatus status) : IMenuUi
{
    public void Menu(string title, IReadOnlyList<string> choices)
    {
        Flush();
        output.WriteLine(title);
        for (var i = 0; i < choices.Count; i++) output.WriteLine($"  {i + 1}. {choices[i]}");
        output.WriteLine(CommandHelp.MenuHint(status.Name));
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
            output.WriteLine(title);
            for (var i = 0; i < choices.Count; i++) output.WriteLine($"  {i + 1}. {choices[i]}");
            output.Write("> ");
            output.Flush();
            var line = input.ReadLine();
            if (line is null or "\u001b") return null;
            if (MenuChoice.Parse(line, choices) is { } picked) return picked;
            output.WriteLine($"please type a number from 1 to {choices.Count}");
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
    public void Good(string text) => output.WriteLine(text);
    public void Bad(string text) => output.WriteLine("error: " + text);
    public void Info(string text) => output.WriteLine(text);

    public void Table(string title, string[] columns, IEnumerable<string[]> rows)
    {
        output.WriteLine(title);
        output.WriteLine("  " + string.Join(" | ", columns));
        foreach (var r in rows) output.WriteLine("  " + string.Join(" | ", r));
    }

    // A plain console cannot redraw: notices wait for the next prompt.
    private void Flush()
    {
        while (notices.TryTake(out var line)) output.WriteLine("* " + line);
    }

    public void Dispose() { }
}
