namespace Switchboard.Client.Interactive.Menu;

/// <summary>How the menu talks to a person: a colour terminal, the chat view, or plain numbered lines where the
/// console cannot draw (dumb terminal). Null answers mean the person backed out (Esc, Ctrl-C, end of input).</summary>
public interface IMenuUi : IDisposable
{
    /// <summary>Prints the menu (once at start, and on <c>menu</c> or <c>?</c>).</summary>
    void Menu(string title, IReadOnlyList<string> choices);

    /// <summary>The main prompt: a menu number or a command, with history and completion.</summary>
    ReadResult ReadCommand();

    int? Choose(string title, IReadOnlyList<string> choices);
    /// <summary>A question; Tab completes its answer as <paramref name="completes"/> says (an online name, a joined room).</summary>
    string? Ask(string prompt, Completes completes = Completes.Nothing);

    /// <summary>A secret (a password typed again): nothing is echoed or recalled; null when the person backs out.</summary>
    string? AskSecret(string prompt);
    bool Confirm(string question);
    /// <summary>Shows the notices queued so far, before what comes next: what the server pushed before an answer (a join's
    /// replay) is shown above that answer, in the order scripted mode prints them.</summary>
    void ShowNotices();
    void Good(string text);
    void Bad(string text);
    void Info(string text);

    /// <summary>The columns <c>help</c> is laid out for: a terminal's 80, the chat view's message pane.</summary>
    int HelpWidth => Switchboard.Messages.Startup.HelpText.Width;
    void Table(string title, string[] columns, IEnumerable<string[]> rows);
}
