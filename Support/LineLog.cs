namespace Switchboard.Support;

/// <summary>Lines a child process wrote, kept for error messages; safe to add to from the reader threads.</summary>
public sealed class LineLog(int limit = int.MaxValue)
{
    private readonly List<string> _lines = [];

    /// <summary>Keeps <paramref name="line"/> unless <c>limit</c> lines are kept already (a chatty child must not fill memory).</summary>
    public void Add(string line)
    {
        lock (_lines)
            if (_lines.Count < limit) _lines.Add(line);
    }

    /// <summary>The kept lines, joined with newlines.</summary>
    public override string ToString()
    {
        lock (_lines) return string.Join('\n', _lines);
    }
}
