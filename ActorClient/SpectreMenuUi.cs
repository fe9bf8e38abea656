using Spectre.Console;

namespace Switchboard.Client;

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
