namespace Switchboard.Server.History;

/// <summary>
/// A conversation's kept lines in memory, oldest first, in a ring: a line is added at the end and retention removes from
/// the start without moving the others (a list moved all of a full conversation's 1,000 references left for each line
/// trimmed, on every message).
/// </summary>
internal sealed class KeptLines
{
    private ChatLine?[] _ring = new ChatLine?[16]; // a power of two, so an index wraps with a mask
    private int _head;

    public int Count { get; private set; }

    /// <summary>The <paramref name="index"/>th kept line, 0 the oldest.</summary>
    public ChatLine this[int index] =>
        (uint)index < (uint)Count ? _ring[(_head + index) & (_ring.Length - 1)]! : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(ChatLine line)
    {
        if (Count == _ring.Length) Grow();
        _ring[(_head + Count) & (_ring.Length - 1)] = line;
        Count++;
    }

    /// <summary>Forgets the <paramref name="n"/> oldest (their slots hold nothing after).</summary>
    public void RemoveOldest(int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, Count);
        for (var i = 0; i < n; i++)
        {
            _ring[_head] = null;
            _head = (_head + 1) & (_ring.Length - 1);
        }
        Count -= n;
    }

    /// <summary>The index of the oldest line written at or after <paramref name="timeMs"/>, or -1.</summary>
    public int FirstAtOrAfter(long timeMs)
    {
        for (var i = 0; i < Count; i++)
            if (this[i].TimeMs >= timeMs) return i;
        return -1;
    }

    private void Grow()
    {
        var bigger = new ChatLine?[_ring.Length * 2];
        for (var i = 0; i < Count; i++) bigger[i] = this[i];
        _ring = bigger;
        _head = 0;
    }
}
