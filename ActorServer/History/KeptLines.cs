using System.Buffers;
using System.Text;

namespace Switchboard.Server.History;

/// <summary>
/// A conversation's kept lines in memory, oldest first, in a ring: a line is added at the end and retention removes from
/// the start without moving the others. A line is no object of its own: its id, time and sender sit in an array of
/// structs and its text, as UTF-8, in a ring of bytes; a <see cref="ChatLine"/> is made only when one is read. Every kept
/// message lives until retention trims it, long enough for the GC to promote it twice, and a conversation keeping 1,000
/// of them as objects (a line and its two strings each) made every young collection of a busy server copy the lines of
/// the last moments (the kept DMs' p99 and a quarter of their throughput, Benchmarks/README.md stop 45).
/// </summary>
internal sealed class KeptLines
{
    // Senders kept once per conversation (a name repeats on every line it writes); one past this many is kept per line.
    private const int MaxNames = 1024;
    private const int FirstTextBytes = 1024;
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private Entry[] _ring = new Entry[16]; // powers of two, so an index wraps with a mask
    private byte[] _text = new byte[FirstTextBytes];
    private int _head;
    // Byte positions in the text ring, only ever growing (an index is a position masked): of the oldest line's text, and
    // where the next one goes.
    private long _textHead, _textTail;

    private readonly record struct Entry(long Id, long TimeMs, string From, long Offset, int Length, int Chars);

    public int Count { get; private set; }

    /// <summary>The <paramref name="index"/>th kept line, 0 the oldest, made now.</summary>
    public ChatLine this[int index]
    {
        get
        {
            ref readonly var e = ref At(index);
            return new ChatLine(e.Id, e.From, Text(e), e.TimeMs);
        }
    }

    public long IdAt(int index) => At(index).Id;

    public long TimeAt(int index) => At(index).TimeMs;

    public string FromAt(int index) => At(index).From;

    /// <summary>The <paramref name="index"/>th line's sender and text in UTF-16 bytes: what retention's max-bytes counts.</summary>
    public long SizeAt(int index)
    {
        ref readonly var e = ref At(index);
        return Size(e.From, e.Chars);
    }

    /// <summary>A line's size as retention counts it: its sender and text in UTF-16 bytes.</summary>
    public static long Size(string from, int textChars) => 2L * (from.Length + textChars);

    public void Add(long id, string from, string text, long timeMs)
    {
        if (Count == _ring.Length) GrowRing();
        var length = Encoding.UTF8.GetByteCount(text);
        if (_textTail - _textHead + length > _text.Length) GrowText(length);
        Write(text, length);
        _ring[(_head + Count) & (_ring.Length - 1)] = new Entry(id, timeMs, Name(from), _textTail, length, text.Length);
        _textTail += length;
        Count++;
    }

    /// <summary>Forgets the <paramref name="n"/> oldest (their slots hold nothing after).</summary>
    public void RemoveOldest(int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, Count);
        for (var i = 0; i < n; i++)
        {
            _ring[_head] = default;
            _head = (_head + 1) & (_ring.Length - 1);
        }
        Count -= n;
        if (Count > 0)
        {
            _textHead = _ring[_head].Offset;
            return;
        }
        // Empty: the text ring starts again small (a conversation trimmed whole by age may stay idle a long time).
        _textHead = _textTail = 0;
        if (_text.Length > FirstTextBytes) _text = new byte[FirstTextBytes];
    }

    /// <summary>The index of the oldest line written at or after <paramref name="timeMs"/>, or -1.</summary>
    public int FirstAtOrAfter(long timeMs)
    {
        for (var i = 0; i < Count; i++)
            if (At(i).TimeMs >= timeMs) return i;
        return -1;
    }

    private ref readonly Entry At(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        return ref _ring[(_head + index) & (_ring.Length - 1)];
    }

    private string Name(string from)
    {
        if (_names.TryGetValue(from, out var kept)) return kept;
        if (_names.Count < MaxNames) _names[from] = from;
        return from;
    }

    // At _textTail, wrapping round the end of the ring when it must.
    private void Write(string text, int length)
    {
        var start = (int)(_textTail & (_text.Length - 1));
        if (start + length <= _text.Length)
        {
            Encoding.UTF8.GetBytes(text, _text.AsSpan(start, length));
            return;
        }
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(text, bytes);
            var first = _text.Length - start;
            bytes.AsSpan(0, first).CopyTo(_text.AsSpan(start));
            bytes.AsSpan(first, length - first).CopyTo(_text);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private string Text(in Entry e)
    {
        var start = (int)(e.Offset & (_text.Length - 1));
        if (start + e.Length <= _text.Length) return Encoding.UTF8.GetString(_text, start, e.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(e.Length);
        try
        {
            var first = _text.Length - start;
            _text.AsSpan(start, first).CopyTo(bytes);
            _text.AsSpan(0, e.Length - first).CopyTo(bytes.AsSpan(first));
            return Encoding.UTF8.GetString(bytes, 0, e.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private void GrowRing()
    {
        var bigger = new Entry[_ring.Length * 2];
        for (var i = 0; i < Count; i++) bigger[i] = At(i);
        _ring = bigger;
        _head = 0;
    }

    // The kept texts move to the start of a ring big enough for another `length` bytes, in order; positions start again
    // from 0.
    private void GrowText(int length)
    {
        var used = (int)(_textTail - _textHead);
        var size = _text.Length;
        while (size < used + length) size *= 2;
        var bigger = new byte[size];
        var start = (int)(_textHead & (_text.Length - 1));
        var first = Math.Min(used, _text.Length - start);
        _text.AsSpan(start, first).CopyTo(bigger);
        _text.AsSpan(0, used - first).CopyTo(bigger.AsSpan(first));
        for (var i = 0; i < Count; i++)
        {
            ref var e = ref _ring[(_head + i) & (_ring.Length - 1)];
            e = e with { Offset = e.Offset - _textHead };
        }
        _text = bigger;
        _textTail = used;
        _textHead = 0;
    }
}
