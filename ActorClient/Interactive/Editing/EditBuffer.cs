using System.Text;

namespace Switchboard.Client.Interactive.Editing;

/// <summary>The text being typed and the cursor in it: the editing keys as pure operations, testable without a console.</summary>
public sealed class EditBuffer
{
    private readonly StringBuilder _text = new();

    public int Cursor { get; private set; }
    public int Length => _text.Length;
    public string Text => _text.ToString();
    public string BeforeCursor => _text.ToString(0, Cursor);

    public void Set(string text)
    {
        _text.Clear().Append(text);
        Cursor = _text.Length;
    }

    public void Insert(char c)
    {
        _text.Insert(Cursor, c);
        Cursor++;
    }

    public void Insert(string s)
    {
        _text.Insert(Cursor, s);
        Cursor += s.Length;
    }

    public void Left() => Cursor = Math.Max(0, Cursor - Step(Cursor - 1, back: true));
    public void Right() => Cursor = Math.Min(_text.Length, Cursor + Step(Cursor, back: false));
    public void Home() => Cursor = 0;
    public void End() => Cursor = _text.Length;

    public void Backspace()
    {
        if (Cursor == 0) return;
        var n = Step(Cursor - 1, back: true);
        _text.Remove(Cursor - n, n);
        Cursor -= n;
    }

    public void Delete()
    {
        if (Cursor < _text.Length) _text.Remove(Cursor, Step(Cursor, back: false));
    }

    /// <summary>Ctrl-U: everything before the cursor.</summary>
    public void KillToStart()
    {
        _text.Remove(0, Cursor);
        Cursor = 0;
    }

    /// <summary>Ctrl-K: everything from the cursor on.</summary>
    public void KillToEnd() => _text.Length = Cursor;

    /// <summary>Ctrl-W: the word before the cursor and the blanks after it, as in a shell.</summary>
    public void KillWordBefore()
    {
        var start = Cursor;
        while (start > 0 && char.IsWhiteSpace(_text[start - 1])) start--;
        while (start > 0 && !char.IsWhiteSpace(_text[start - 1])) start--;
        _text.Remove(start, Cursor - start);
        Cursor = start;
    }

    // A surrogate pair is one character on screen: move and delete over both halves.
    private int Step(int at, bool back)
    {
        if (at < 0 || at >= _text.Length) return 1;
        if (back && at > 0 && char.IsLowSurrogate(_text[at]) && char.IsHighSurrogate(_text[at - 1])) return 2;
        if (!back && at + 1 < _text.Length && char.IsHighSurrogate(_text[at]) && char.IsLowSurrogate(_text[at + 1])) return 2;
        return 1;
    }
}
