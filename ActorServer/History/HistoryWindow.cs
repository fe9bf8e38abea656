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
            _ => (at - (n - 1) / 2, at - (n - 1) / 2 + n - 1),
        };
        // Clipped to what is kept; a window wholly outside it is empty.
        return (Math.Max(from, first), Math.Min(to, last));
    }
}
