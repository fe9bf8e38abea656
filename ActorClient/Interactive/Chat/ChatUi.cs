using Spectre.Console;

namespace Switchboard.Client.Interactive.Chat;

/// <summary>The menu and the prompt inside the chat view: everything they print goes to the message pane.</summary>
public sealed class ChatUi : IMenuUi
{
    private readonly string _self;
    private readonly ChatScreen _screen;
    private readonly LineEditor _editor;
    private readonly History _history;
    private readonly History _answers = new();
    private readonly Completer _completer;

    public ChatUi(Notices notices, ClientStatus status, History history, Completer completer, CancellationToken interrupted)
    {
        _self = status.Name;
        _screen = new ChatScreen(status);
        _editor = new LineEditor(notices, _screen, interrupted);
        _history = history;
        _completer = completer;
        _screen.Open();
    }

    public void Menu(string title, IReadOnlyList<string> choices)
    {
        Choices(title, choices);
        _screen.Add(CommandHelp.MenuHint(_self), "grey");
    }

    // What came before a menu is shown above it, as in the line mode (at login: the away lines, the rooms joined).
    // A sub-menu ends with its choices: the main menu's hint to type a command would be refused at its prompt.
    private void Choices(string title, IReadOnlyList<string> choices)
    {
        _editor.ShowNotices();
        _screen.Add(title, "aqua");
        for (var i = 0; i < choices.Count; i++) _screen.Add($"  {i + 1}. {choices[i]}", "aqua");
    }

    public ReadResult ReadCommand() => _editor.Read(() => "[bold]>[/] ", _history, _completer);

    public int? Choose(string title, IReadOnlyList<string> choices)
    {
        Choices(title, choices);
        while (true)
        {
            var answer = _editor.Read(() => $"[grey]choose 1-{choices.Count} (Esc: back)>[/] ", _answers);
            if (answer.Outcome != ReadOutcome.Line) return null;
            if (MenuChoice.Parse(answer.Text, choices) is { } picked) return picked;
            if (answer.Text.Trim().Length > 0) _screen.Add($"please type a number from 1 to {choices.Count}", "red");
        }
    }

    public string? Ask(string prompt, Completes completes = Completes.Nothing)
    {
        var answer = _editor.Read(() => Markup.Escape(prompt) + " ", _answers, _completer.For(completes));
        return answer.Outcome == ReadOutcome.Line ? answer.Text.Trim() : null;
    }

    public string? AskSecret(string prompt)
    {
        var answer = _editor.Read(() => Markup.Escape(prompt) + " ", _answers, hidden: true);
        return answer.Outcome == ReadOutcome.Line ? answer.Text : null;
    }

    public bool Confirm(string question)
    {
        var answer = _editor.Read(() => $"[yellow]{Markup.Escape(question)} [[y/N]][/] ", _answers);
        return answer.Outcome is ReadOutcome.Interrupted or ReadOutcome.EndOfInput
               || (answer.Outcome == ReadOutcome.Line && answer.Text.Trim() is "y" or "Y" or "yes");
    }

    public void ShowNotices() => _editor.ShowNotices();
    public void Good(string text) => _screen.Add(text, "green");

    // help is laid out for the message pane, which is narrower than the terminal.
    public int HelpWidth => ChatScreen.PaneWidth(Console.WindowWidth);
    public void Bad(string text) => _screen.Add(text, "red");
    public void Info(string text) => _screen.Add(text, "grey");

    public void Table(string title, string[] columns, IEnumerable<string[]> rows)
    {
        var lines = PaneTable.Lines(columns, rows);
        _screen.Add(title, "bold");
        _screen.Add(lines[0], "grey");
        foreach (var line in lines.Skip(1)) _screen.Add(line, "default");
    }

    public void Dispose() => _screen.Dispose();
}
