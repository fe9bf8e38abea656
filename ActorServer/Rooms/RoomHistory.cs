namespace Switchboard.Server.Rooms;

/// <summary>The last <see cref="Capacity"/> messages of one room, oldest first, and never more than
/// <see cref="MaxBytes"/> bytes of text (UTF-16 counted as 2 a char: an upper bound of what it holds in memory).</summary>
public sealed class RoomHistory(int capacity, int maxBytes = int.MaxValue)
{
    private readonly Queue<(string From, string Text)> _messages = new();

    public int Capacity { get; } = capacity;
    public int MaxBytes { get; } = maxBytes;
    public int Count => _messages.Count;
    public long Bytes { get; private set; }

    /// <summary>When the room was last joined or written to (the rooms actor's own count): the least recently used
    /// room nobody is in gives its place first.</summary>
    public long LastUsed { get; set; }

    public void Add(string from, string text)
    {
        _messages.Enqueue((from, text));
        Bytes += Size(from, text);
        while (_messages.Count > Capacity || (Bytes > MaxBytes && _messages.Count > 0))
        {
            var (f, t) = _messages.Dequeue();
            Bytes -= Size(f, t);
        }
    }

    public (string From, string Text)[] ToArray() => [.. _messages];

    private static long Size(string from, string text) => 2L * (from.Length + text.Length);
}
