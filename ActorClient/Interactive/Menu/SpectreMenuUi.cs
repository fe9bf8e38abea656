using Spectre.Console;

namespace Switchboard.Client.Interactive.Menu;

/// <summary>The line mode on a colour terminal: the status and the input on the last rows, everything else scrolling above.</summary>
public sealed class SpectreMenuUi(Notices notices, ClientStatus status, History history, Completer completer, CancellationToken interrupted) : IMenuUi
{
    private readonly LineEditor _editor = new(notices, new InlineView(), interrupted);
    private readonly History _answers = new(); // sub-prompt answers: recalled in this session, never saved

    public void Menu(string title, IReadOnlyList<string> choices)
    {
        _editor.ShowNotices();
        AnsiConsole.MarkupLine($"[bold aqua]{Markup.Escape(title)}[/]");
        for (var i = 0; i < choices.Count; i++)
            AnsiConsole.MarkupLine($"  [aqua]{i + 1}.[/] {Markup.Escape(choices[i])}");
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(CommandHelp.MenuHint(status.Name))}[/]");
    }

    public ReadResult ReadCommand() => _editor.Read(StatusPrompt, history, completer);

    public int? Choose(string title, IReadOnlyList<string> choices)
    {
        _editor.ShowNotices();
        AnsiConsole.MarkupLine($"[bold aqua]{Markup.Escape(title)}[/]");
        for (var i = 0; i < choices.Count; i++)
            AnsiConsole.MarkupLine($"  [aqua]{i + 1}.[/] {Markup.Escape(choices[i])}");
        while (true)
        {
            var answer = _editor.Read(() => $"[grey]choose 1-{choices.Count} (Esc: back)>[/] ", _answers);
            if (answer.Outcome != ReadOutcome.Line) return null;
            if (MenuChoice.Parse(answer.Text, choices) is { } picked) return picked;
            if (answer.Text.Trim().Length > 0) AnsiConsole.MarkupLine($"[red]please type a number from 1 to {choices.Count}[/]");
        }
    }

    public string? Ask(string prompt, Completes completes = Completes.Nothing)
    {
        var answer = _editor.Read(() => $"{Markup.Escape(prompt)} ", _answers, completer.For(completes));
        return answer.Outcome == ReadOutcome.Line ? answer.Text.Trim() : null;
    }

    public string? AskSecret(string prompt)
    {
        var answer = _editor.Read(() => $"{Markup.Escape(prompt)} ", _answers, hidden: true);
        return answer.Outcome == ReadOutcome.Line ? answer.Text : null;
    }

    public bool Confirm(string question)
    {
        var answer = _editor.Read(() => $"[yellow]{Markup.Escape(question)} [[y/N]][/] ", _answers);
        return answer.Outcome is ReadOutcome.Interrupted or ReadOutcome.EndOfInput
               || (answer.Outcome == ReadOutcome.Line && answer.Text.Trim() is "y" or "Y" or "yes");
    }

    public void ShowNotices() => _editor.ShowNotices();
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

    // The status line is the prompt's first part, so it is redrawn with the input whenever something changes. Within
    // the window less 12 columns for "[] > " and what is typed: at 40 columns the whole line wrapped the prompt onto two rows.
    private string StatusPrompt() =>
        $"[{(status.Connected ? "green" : "red")}][[{Markup.Escape(status.LineWithin(Math.Max(20, AnsiConsole.Profile.Width) - 12))}]][/] [bold]>[/] ";

    public void Dispose() { }
}
