namespace Switchboard.Server.History;

/// <summary>
/// Which of a conversation's kept messages a query gets: ids <paramref name="first"/>..<paramref name="last"/> are kept
/// (gap-free), and a query asks for <paramref name="count"/> of them latest, before, after or around an id, as IRCv3's
/// CHATHISTORY does. Pure, so every edge is specified without an actor.
/// </summary>
public static class HistoryWindow
{
    /// <summary>The inclusive id range to return, or an empty one (From &gt; To); null with <paramref name="error"/> for a
    /// malformed query.</summary>
    public static (long From, long To)? Select(HistoryAnchor anchor, long at, int count, int maxCount, long first, long last, out string? error)
    {
        error = anchor switch
        {
            HistoryAnchor.Latest => null,
            HistoryAnchor.After when at < 0 => "a message id is a whole number from 1 (after 0: from the first)",
            HistoryAnchor.Before or HistoryAnchor.Around when at < 1 => "a message id is a whole number from 1",
            HistoryAnchor.Before or HistoryAnchor.After or HistoryAnchor.Around => null,
            _ => "ask latest, before ID, after ID or around ID",
        };
        if (error is null && count < 1) error = "the count is a whole number from 1";
        if (error is not null) return null;
        var n = Math.Min(count, maxCount);
        at = Math.Min(at, last + 1); // an id past the newest asks nothing more than the newest does (and cannot overflow)
        // After an id retention already trimmed: from the first kept (the reply says how many were trimmed).
        if (anchor == HistoryAnchor.After) at = Math.Max(at, first - 1);
        var (from, to) = anchor switch
        {
            HistoryAnchor.Latest => (last - n + 1, last),
            HistoryAnchor.Before => (at - n, at - 1),
            HistoryAnchor.After => (at + 1, at + n),
            // Around an id: the n kept nearest to it (the newest for an id not written yet), a whole page when there are
            // that many, not half of one at the newest; around a trimmed id, nothing (the reply says what was trimmed).
            HistoryAnchor.Around when at >= first => Nearest(at, n, first, last),
            HistoryAnchor.Around => (first, first - 1),
            _ => throw new ArgumentOutOfRangeException(nameof(anchor), anchor, null),
        };
        // Clipped to what is kept; a window wholly outside it is empty.
        return (Math.Max(from, first), Math.Min(to, last));
    }

    // The window of n centred on the id (the odd one after), moved inside first..last where it runs past either end.
    private static (long, long) Nearest(long at, int n, long first, long last)
    {
        var from = Math.Min(at, last) - (n - 1) / 2;
        var to = from + n - 1;
        if (to > last) (from, to) = (from - (to - last), last);
        if (from < first) (from, to) = (first, Math.Min(last, to + (first - from)));
        return (from, to);
    }

    /// <summary>
    /// The part of a page's <paramref name="lines"/> (in id order) that fits in <paramref name="budget"/> bytes of text
    /// (sender and text, UTF-8): the lines nearest the anchor, one at least. Latest and before keep the newest, after the
    /// oldest, and around the line at its id (or the nearest to it) with the nearest on both sides in turn, the first
    /// after it, as an uncut page has them.
    /// </summary>
    public static (int Start, int Count) Cap(IReadOnlyList<ChatLine> lines, HistoryAnchor anchor, long at, long budget)
    {
        if (lines.Count == 0) return (0, 0);
        var (lo, hi) = anchor switch
        {
            HistoryAnchor.After => (0, 0),
            HistoryAnchor.Around => (AtOrAfter(lines, at), AtOrAfter(lines, at)),
            _ => (lines.Count - 1, lines.Count - 1),
        };
        var bytes = Size(lines[lo]);
        var afterNext = true;
        while (lo > 0 || hi < lines.Count - 1)
        {
            // After an anchor, newer lines; before one or at the latest, older; around, one of each in turn.
            var later = anchor switch
            {
                HistoryAnchor.After => true,
                HistoryAnchor.Around => hi < lines.Count - 1 && (afterNext || lo == 0),
                _ => false,
            };
            if ((later ? hi == lines.Count - 1 : lo == 0)) break; // after/before/latest: nothing more on its one side
            var next = later ? hi + 1 : lo - 1;
            bytes += Size(lines[next]);
            if (bytes > budget) break;
            if (later) hi = next;
            else lo = next;
            afterNext = !later;
        }
        return (lo, hi - lo + 1);
    }

    private static long Size(ChatLine l) => System.Text.Encoding.UTF8.GetByteCount(l.From) + System.Text.Encoding.UTF8.GetByteCount(l.Text);

    // The first line at or after the id, or the newest if none is.
    private static int AtOrAfter(IReadOnlyList<ChatLine> lines, long id)
    {
        for (var i = 0; i < lines.Count; i++)
            if (lines[i].Id >= id) return i;
        return lines.Count - 1;
    }
}
