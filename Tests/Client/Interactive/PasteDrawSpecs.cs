namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A paste arrives as many keys at once. The line editor drew the input after every key: the chat view redraws its
/// whole layout (panes, lists, status) each time, and under tmux a 5,000-character paste into the chat view took minutes
/// to show, the person waiting, only to be refused as longer than 4 KiB at the end.
/// </summary>
public sealed class PasteDrawSpecs
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

    // Keys a spec typed, all waiting at once (a paste) or each only once the one before it was read and drawn.
    private sealed class TypedKeys(string typed, bool oneAtATime = false) : IKeyboard
    {
        private readonly Queue<char> _keys = new(typed);
        private bool _read;

        public void Claim() { }

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
            return new ConsoleKeyInfo(c, c == '\r' ? ConsoleKey.Enter : ConsoleKey.A, false, false, false);
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
