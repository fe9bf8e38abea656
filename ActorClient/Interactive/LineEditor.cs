namespace Switchboard.Client.Interactive;

/// <summary>
/// Reads one line from the keyboard while notices keep arriving: a notice is shown above the input and the
/// input is redrawn with the cursor where it was. Keys are those of <see cref="EditKeys"/>, the text lives in an
/// <see cref="EditBuffer"/>, and the <see cref="IEditView"/> draws. Everything is drawn from this thread only.
/// (RadLine 0.6.0 is built against an unsigned Spectre.Console 0.43 and does not load next to 0.57; Spectre's own
/// prompts redraw from a fixed position and are corrupted by output from another thread.)
/// </summary>
public sealed class LineEditor(Notices notices, IEditView view, CancellationToken interrupted, IKeyboard? keys = null)
{
    private static readonly TimeSpan KeyPoll = TimeSpan.FromMilliseconds(25);
    private readonly IKeyboard _keys = keys ?? new ConsoleKeyboard();

    /// <param name="hidden">A secret: nothing typed is drawn (the prompt only), recalled or kept in history.</param>
    public ReadResult Read(Func<string> promptMarkup, History history, Completer? completer = null, bool hidden = false)
    {
        var buffer = new EditBuffer();
        IEditView shown = hidden ? new Hiding(view) : view;
        if (hidden)
        {
            // Nothing of a secret is recalled later, nor completed.
            history = new History();
            completer = null;
        }
        _keys.Claim();
        shown.Draw(promptMarkup(), buffer);
        var size = _keys.WindowSize;
        while (true)
        {
            while (!_keys.KeyAvailable)
            {
                if (interrupted.IsCancellationRequested) return Finish(shown, promptMarkup(), buffer, ReadResult.Interrupted);
                if (notices.TryTake(out var first))
                {
                    shown.Above(first, "yellow");
                    while (notices.TryTake(out var next)) shown.Above(next, "yellow");
                    shown.Draw(promptMarkup(), buffer);
                }
                // A resized window is drawn again at its new size (the chat view's panes follow it).
                if (_keys.WindowSize != size)
                {
                    size = _keys.WindowSize;
                    shown.Draw(promptMarkup(), buffer);
                }
                notices.WaitAsync(KeyPoll).Wait();
            }
            if (interrupted.IsCancellationRequested) return Finish(shown, promptMarkup(), buffer, ReadResult.Interrupted);
            var key = _keys.ReadKey();
            var edit = EditKeys.Map(key, buffer.Length == 0);
            switch (edit)
            {
                // The terminal marks a paste (Claim asked it to): its line breaks are spaces, not Enter, so a pasted line
                // "3" or "exit" does not leave; what was pasted is entered by an Enter typed after it.
                case EditKey.Escape when key.Key == ConsoleKey.Escape && _keys.KeyAvailable && Follows(PasteStart):
                    Paste(buffer);
                    break;
                case EditKey.Submit:
                    history.Add(buffer.Text);
                    return Finish(shown, promptMarkup(), buffer, new ReadResult(ReadOutcome.Line, buffer.Text));
                case EditKey.Escape:
                    history.Rewind();
                    return Finish(shown, promptMarkup(), buffer, ReadResult.Escape);
                case EditKey.EndOfInput:
                    return Finish(shown, promptMarkup(), buffer, ReadResult.End);
                case EditKey.Previous when history.Previous(buffer.Text) is { } older:
                    buffer.Set(older);
                    break;
                case EditKey.Next when history.Next() is { } newer:
                    buffer.Set(newer);
                    break;
                case EditKey.PageUp:
                    shown.Scroll(1);
                    break;
                case EditKey.PageDown:
                    shown.Scroll(-1);
                    break;
                case EditKey.Complete when completer is not null:
                    var (insert, candidates) = completer.Complete(buffer.BeforeCursor);
                    buffer.Insert(insert);
                    if (candidates.Count > 1) shown.Above(string.Join("  ", candidates), "grey");
                    break;
                default:
                    if (!EditKeys.Apply(buffer, edit, key.KeyChar)) continue;
                    break;
            }
            // Drawn once no key waits: a paste is many keys at once, and a draw of the chat view is its whole layout (a
            // 5,000-character paste, drawn at every key, took minutes under tmux).
            if (!_keys.KeyAvailable) shown.Draw(promptMarkup(), buffer);
        }
    }

    private const string PasteStart = "[200~", PasteEnd = "[201~";

    // Whether the next keys are <paramref name="marks"/>, read as far as they match: those already waiting (an Escape
    // typed alone is not held up), or inside a paste those still to come (the terminal sends its end mark whole).
    private bool Follows(string marks, bool waiting = false)
    {
        foreach (var c in marks)
            if ((!waiting && !_keys.KeyAvailable) || _keys.ReadKey().KeyChar != c) return false;
        return true;
    }

    // The keys up to the paste's end mark go into the buffer as text: line breaks between text as one space (CR LF too),
    // those at its end left out (a password pasted with its line break was the password and a space), other control
    // keys left out.
    private void Paste(EditBuffer buffer)
    {
        var broken = false;
        while (true)
        {
            var key = _keys.ReadKey();
            if (key.Key == ConsoleKey.Escape && Follows(PasteEnd, waiting: true)) return;
            if (key.KeyChar is '\r' or '\n') broken = true;
            else if (!char.IsControl(key.KeyChar) && key.KeyChar != '\0')
            {
                if (broken) buffer.Insert(' ');
                broken = false;
                buffer.Insert(key.KeyChar);
            }
        }
    }

    /// <summary>Shows queued notices while no input is on screen (before a menu is printed).</summary>
    public void ShowNotices()
    {
        while (notices.TryTake(out var line)) view.Above(line, "yellow");
    }

    private ReadResult Finish(IEditView view, string prompt, EditBuffer buffer, ReadResult result)
    {
        _keys.Release();
        view.Done(prompt, buffer);
        return result;
    }

    // Draws the prompt with an empty line whatever is typed.
    private sealed class Hiding(IEditView inner) : IEditView
    {
        public void Draw(string promptMarkup, EditBuffer buffer) => inner.Draw(promptMarkup, new EditBuffer());
        public void Above(string line, string colour) => inner.Above(line, colour);
        public void Done(string promptMarkup, EditBuffer buffer) => inner.Done(promptMarkup, new EditBuffer());
        public void Scroll(int pages) => inner.Scroll(pages);
    }
}
