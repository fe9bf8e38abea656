namespace Switchboard.Tests.Client.Interactive;

/// <summary>A menu UI driven by a script: the lines typed, the secrets typed at hidden prompts (none: nothing typed), and
/// what happens when the lines run out (<paramref name="atEnd"/>, before the end of input is read). What the client
/// said is kept in <see cref="Said"/>, the hidden prompts it showed in <see cref="Asked"/>.</summary>
internal sealed class ScriptedMenuUi(Queue<string> lines, Queue<string?>? secrets = null, Action? atEnd = null, Action? onMenu = null) : IMenuUi
{
    public List<string> Said { get; } = [];
    public List<string> Asked { get; } = [];

    public ReadResult ReadCommand()
    {
        if (lines.TryDequeue(out var line)) return new ReadResult(ReadOutcome.Line, line);
        atEnd?.Invoke();
        return ReadResult.End;
    }

    public string? AskSecret(string prompt)
    {
        Asked.Add(prompt);
        return secrets is { Count: > 0 } ? secrets.Dequeue() : null;
    }

    public void Menu(string title, IReadOnlyList<string> choices) => onMenu?.Invoke();
    public int? Choose(string title, IReadOnlyList<string> choices) => null;
    public string? Ask(string prompt, Completes completes = Completes.Nothing) => null;
    public bool Confirm(string question) => false;
    public void ShowNotices() { }
    public void Good(string text) => Said.Add("good: " + text);
    public void Bad(string text) => Said.Add("bad: " + text);
    public void Info(string text) => Said.Add("info: " + text);
    public void Table(string title, string[] columns, IEnumerable<string[]> rows) => Said.Add("table: " + title);
    public void Dispose() { }
}
