namespace Switchboard.Client.Interactive.Editing;

/// <summary>
/// Lines entered at a prompt, recalled with Up/Down. With a file, the last <see cref="Max"/> are kept across runs
/// (mode 0600: what a person typed, messages included, is theirs alone).
/// </summary>
public sealed class History
{
    public const int Max = 500;
    private const int MaxLine = 4096;
    private readonly List<string> _lines = [];
    private readonly string? _file;
    private int _at;
    private string _draft = "";

    public History(string? file = null)
    {
        _file = file;
        if (file is not null) Load(file);
        _at = _lines.Count;
    }

    public IReadOnlyList<string> Lines => _lines;

    /// <summary>~/.local/state/switchboard/history, or under $XDG_STATE_HOME.</summary>
    public static string DefaultFile() => Path.Combine(PrivateFile.StateDirectory(), "history");

    public void Add(string line)
    {
        _at = _lines.Count;
        _draft = "";
        line = Clean(line);
        if (line.Trim().Length == 0 || (_lines.Count > 0 && _lines[^1] == line)) return;
        _lines.Add(line);
        if (_lines.Count > Max) _lines.RemoveRange(0, _lines.Count - Max);
        _at = _lines.Count;
        Save(line);
    }

    /// <summary>The entry before the one shown (Up); <paramref name="current"/> is kept to come back to.</summary>
    public string? Previous(string current)
    {
        if (_at == 0) return null;
        if (_at == _lines.Count) _draft = current;
        return _lines[--_at];
    }

    /// <summary>The entry after the one shown (Down), and finally what was being typed.</summary>
    public string? Next()
    {
        if (_at >= _lines.Count) return null;
        _at++;
        return _at == _lines.Count ? _draft : _lines[_at];
    }

    public void Rewind()
    {
        _at = _lines.Count;
        _draft = "";
    }

    private void Load(string file) => _lines.AddRange(Read(file));

    private static List<string> Read(string file)
    {
        var lines = new List<string>();
        try
        {
            if (File.Exists(file))
                foreach (var line in File.ReadLines(file).TakeLast(Max))
                    if (Clean(line) is { Length: > 0 } l) lines.Add(l);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return lines;
    }

    // The file as it is now (another client of the same person may have added to it since this one loaded it) plus
    // the new line, written whole (at most Max short lines) to a fresh 0600 file moved into place: never a torn or
    // group-readable history, whatever mode an old file had.
    private void Save(string added)
    {
        if (_file is null) return;
        var lines = Read(_file);
        if (lines.Count == 0 || lines[^1] != added) lines.Add(added);
        PrivateFile.Replace(_file, lines.TakeLast(Max));
    }

    // A history file is input too: no control characters (they would drive the terminal when recalled).
    private static string Clean(string line)
    {
        if (line.Length > MaxLine) line = line[..MaxLine];
        return line.Any(char.IsControl) ? new string(line.Where(c => !char.IsControl(c)).ToArray()) : line;
    }
}
