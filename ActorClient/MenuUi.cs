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
