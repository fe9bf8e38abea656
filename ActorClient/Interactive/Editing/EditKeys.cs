namespace Switchboard.Client.Interactive.Editing;

/// <summary>What a key does at a prompt, beyond typing a character.</summary>
public enum EditKey
{
    Other, Text, Submit, Escape, EndOfInput, Left, Right, Home, End, Backspace, Delete,
    KillToStart, KillToEnd, KillWord, Previous, Next, Complete, PageUp, PageDown,
}

/// <summary>The emacs/readline bindings people know from bash, irssi and weechat.</summary>
public static class EditKeys
{
    public static EditKey Map(ConsoleKeyInfo k, bool emptyLine)
    {
        var ctrl = k.Modifiers.HasFlag(ConsoleModifiers.Control);
        if (ctrl)
            switch (k.Key)
            {
                case ConsoleKey.A: return EditKey.Home;
                case ConsoleKey.E: return EditKey.End;
                case ConsoleKey.B: return EditKey.Left;
                case ConsoleKey.F: return EditKey.Right;
                case ConsoleKey.U: return EditKey.KillToStart;
                case ConsoleKey.K: return EditKey.KillToEnd;
                case ConsoleKey.W: return EditKey.KillWord;
                case ConsoleKey.P: return EditKey.Previous;
                case ConsoleKey.N: return EditKey.Next;
                case ConsoleKey.H: return EditKey.Backspace;
                case ConsoleKey.C: return EditKey.Escape;
                // Ctrl-D leaves on an empty line and deletes under the cursor otherwise, as in a shell.
                case ConsoleKey.D: return emptyLine ? EditKey.EndOfInput : EditKey.Delete;
            }
        return k.Key switch
        {
            ConsoleKey.Enter => EditKey.Submit,
            ConsoleKey.Escape => EditKey.Escape,
            ConsoleKey.LeftArrow => EditKey.Left,
            ConsoleKey.RightArrow => EditKey.Right,
            ConsoleKey.Home => EditKey.Home,
            ConsoleKey.End => EditKey.End,
            ConsoleKey.Backspace => EditKey.Backspace,
            ConsoleKey.Delete => EditKey.Delete,
            ConsoleKey.UpArrow => EditKey.Previous,
            ConsoleKey.DownArrow => EditKey.Next,
            ConsoleKey.Tab => EditKey.Complete,
            ConsoleKey.PageUp => EditKey.PageUp,
            ConsoleKey.PageDown => EditKey.PageDown,
            _ => char.IsControl(k.KeyChar) || k.KeyChar == '\0' ? EditKey.Other : EditKey.Text,
        };
    }

    /// <summary>Applies an editing key to <paramref name="b"/>; false for keys that are not edits.</summary>
    public static bool Apply(EditBuffer b, EditKey key, char typed)
    {
        switch (key)
        {
            case EditKey.Text: b.Insert(typed); break;
            case EditKey.Left: b.Left(); break;
            case EditKey.Right: b.Right(); break;
            case EditKey.Home: b.Home(); break;
            case EditKey.End: b.End(); break;
            case EditKey.Backspace: b.Backspace(); break;
            case EditKey.Delete: b.Delete(); break;
            case EditKey.KillToStart: b.KillToStart(); break;
            case EditKey.KillToEnd: b.KillToEnd(); break;
            case EditKey.KillWord: b.KillWordBefore(); break;
            default: return false;
        }
        return true;
    }
}
