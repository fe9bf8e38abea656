namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A paste arrives as many keys at once. The line editor drew the input after every key: the chat view redraws its
/// whole layout (panes, lists, status) each time, and under tmux a 5,000-character paste into the chat view took minutes
/// to show, the person waiting, only to be refused as longer than 4 KiB at the end. And each line break of a paste
/// entered a line: a pasted list whose line was "3" or "2" left the client (menu 3, Exit) or unregistered the name.
/// </summary>
public sealed class PasteSpecs
{
    [Fact]
    public void Keys_that_arrived_together_are_drawn_once_after_the_last_of_them()
    {
        var pasted = "say #games " + string.Concat(Enumerable.Repeat("lorem ", 800));
        var keys = new TypedKeys(pasted + "\r");
        var view = new CountedView();

        var read = new LineEditor(new Notices(), view, CancellationToken.None, keys).Read(() => "> ", new History());

        Assert.Equal(new ReadResult(ReadOutcome.Line, pasted), read);
        Assert.Equal(1, view.Draws); // the prompt, before the paste; entered before anything waited no more
    }

    [Fact]
    public void A_key_typed_alone_is_drawn_at_once()
    {
        var keys = new TypedKeys("ab\r", oneAtATime: true);
        var view = new CountedView();

        new LineEditor(new Notices(), view, CancellationToken.None, keys).Read(() => "> ", new History());

        Assert.Equal(3, view.Draws); // the prompt, then "a", then "ab"
    }

    [Fact]
    public void A_paste_is_one_line_of_input_its_line_breaks_spaces_entered_only_by_a_typed_enter()
    {
        var keys = new TypedKeys("\u001b[200~say #games first\r3\rexit\u001b[201~\r");

        var read = new LineEditor(new Notices(), new CountedView(), CancellationToken.None, keys).Read(() => "> ", new History());

        Assert.Equal(new ReadResult(ReadOutcome.Line, "say #games first 3 exit"), read);
        Assert.Equal(0, keys.Left);
    }

    /// <summary>A password pasted with its line break became the password and a space (a retyped reserve agreed with it,
    /// and the password file's line did not); a Windows line break (CR LF) was two spaces.</summary>
    [Theory]
    [InlineData("secret\r", "secret")]
    [InlineData("secret\r\n", "secret")]
    [InlineData("one\r\ntwo\r\n", "one two")]
    public void A_pastes_last_line_break_is_left_out_and_cr_lf_is_one_space(string pasted, string read)
    {
        var keys = new TypedKeys("\u001b[200~" + pasted + "\u001b[201~\r");
        Assert.Equal(new ReadResult(ReadOutcome.Line, read), new LineEditor(new Notices(), new CountedView(), CancellationToken.None, keys).Read(() => "> ", new History()));
    }

    [Fact]
    public void Escape_typed_alone_still_backs_out()
    {
        var keys = new TypedKeys("ab\u001b", oneAtATime: true);
        Assert.Equal(ReadResult.Escape, new LineEditor(new Notices(), new CountedView(), CancellationToken.None, keys).Read(() => "> ", new History()));
    }

    // Keys a spec typed, all waiting at once (a paste) or each only once the one before it was read and drawn.
    private sealed class TypedKeys(string typed, bool oneAtATime = false) : IKeyboard
    {
        private readonly Queue<char> _keys = new(typed);
        private bool _read;

        public int Left => _keys.Count;
        public void Claim() { }
        public void Release() { }

        public bool KeyAvailable
        {
            get
            {
                if (oneAtATime && _read) return _read = false; // the editor looked again: it is idle, drawn
                return _keys.Count > 0;
            }
        }

        public ConsoleKeyInfo ReadKey()
        {
            _read = true;
            var c = _keys.Dequeue();
            var key = c switch { '\r' => ConsoleKey.Enter, '\u001b' => ConsoleKey.Escape, _ => ConsoleKey.A };
            return new ConsoleKeyInfo(c, key, false, false, false);
        }

        public (int Width, int Height) WindowSize => (80, 24);
    }

    private sealed class CountedView : IEditView
    {
        public int Draws { get; private set; }
        public void Draw(string promptMarkup, EditBuffer buffer) => Draws++;
        public void Above(string line, string colour) { }
        public void Done(string promptMarkup, EditBuffer buffer) { }
        public void Scroll(int pages) { }
    }
}
