using Spectre.Console;

namespace Switchboard.Client;

/// <summary>How the menu talks to a person: a colour terminal, or plain numbered lines where the console
/// cannot draw (dumb terminal). Null answers mean the person backed out (Esc, Ctrl-C, end of input).</summary>
public interface IMenuUi
{
    int? Choose(string title, IReadOnlyList<string> choices);
    string? Ask(string prompt);
    void Good(string text);
    void Bad(string text);
    void Info(string text);
    void Table(string title, string[] columns, IEnumerable<string[]> rows);
}

public sealed class SpectreMenuUi(Notices notices, CancellationToken interrupted) : IMenuUi
{
    private readonly LineEditor _editor = new(notices, interrupted);

    public int? Choose(string title, IReadOnlyList<string> choices)
    {
        _editor.ShowNotices();
        AnsiConsole.MarkupLine($"[bold aqua]{Markup.Escape(title)}[/]");
        for (var i = 0; i < choices.Count; i++)
            AnsiConsole.MarkupLine($"  [aqua]{i + 1}.[/] {Markup.Escape(choices[i])}");
        while (true)
        {
            var answer = _editor.ReadLine($"[grey]choose 1-{choices.Count}>[/] ");
            if (answer is null) return null;
            if (MenuChoice.Parse(answer, choices) is { } picked) return picked;
            if (answer.Trim().Length > 0) AnsiConsole.MarkupLine($"[red]please type a number from 1 to {choices.Count}[/]");
        }
    }

    public string? Ask(string prompt) => _editor.ReadLine($"{Markup.Escape(prompt)} ")?.Trim();

    public void Good(string text) => AnsiConsole.MarkupLine($"[green]{Markup.Escape(text)}[/]");
    public void Bad(string text) => AnsiConsole.MarkupLine($"[red]{Markup.Escape(text)}[/]");
    public void Info(string text) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");

    public void Table(string title, string[] columns, IEnumerable<string[]> rows)
    {
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded);
        foreach (var c in columns) table.AddColumn(Markup.Escape(c));
        foreach (var r in rows) table.AddRow(r.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }
}

public sealed class PlainMenuUi(TextReader input, TextWriter output, Notices notices) : IMenuUi
{
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
            if (line is null) return null;
            if (MenuChoice.Parse(line, choices) is { } picked) return picked;
            output.WriteLine($"please type a number from 1 to {choices.Count}");
        }
    }

    public string? Ask(string prompt)
    {
        Flush();
        output.Write(prompt + " ");
        output.Flush();
        return input.ReadLine()?.Trim();
    }

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
}

public static class MenuChoice
{
    /// <summary>The choice a person typed: its number, or its text (so "*" picks the operator "*").</summary>
    public static int? Parse(string typed, IReadOnlyList<string> choices)
    {
        var t = typed.Trim();
        if (int.TryParse(t, out var n) && n >= 1 && n <= choices.Count) return n - 1;
        for (var i = 0; i < choices.Count; i++)
            if (string.Equals(choices[i], t, StringComparison.OrdinalIgnoreCase)) return i;
        return null;
    }
}
