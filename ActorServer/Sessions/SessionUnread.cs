using Akka.Actor;

namespace Switchboard.Server.Sessions;

/// <summary>
/// The unread counts in a reserved name's <c>rooms</c> (per room it is in) and <c>who</c> (per person, their direct
/// messages), on its <see cref="SessionActor"/>'s thread: the name's read markers from its inbox, then each marked
/// conversation's count of what came after the marker from others (one's own messages are never unread), as the away
/// notice counts it. Only where there is a marker:
/// a conversation never marked read says nothing (a count from its first message would be noise). A guest, or a server
/// without a store, never comes here, and its lists go out as before. A list waits at most the store's timeout, and at
/// most <see cref="MaxCounting"/> wait at once (each may ask up to a marker's worth of conversations): past either, it
/// goes out with what was counted.
/// A count that would have the store read a conversation back past the client's host's budget is not made
/// (<see cref="NotCounted"/>): that entry says nothing, as one without a marker.
/// </summary>
internal sealed class SessionUnread(string name, IActorRef self, IWithTimers timers, HistoryDesk desk, IReadOnlySet<string> rooms,
    string? host = null)
{
    public const int MaxCounting = 4;

    /// <summary>Conversations one list counts at most, those whose markers moved last: a name marks up to
    /// <see cref="InboxActor.MaxMarkers"/> DM conversations, and each count may have the store read one back, so a
    /// burst of <c>who</c> would have a session wait on a thousand reads (the bound a session's history queries have,
    /// <see cref="SessionHistory.MaxAsked"/>, for the same reason). A room list is within it already (rooms per client).</summary>
    public const int MaxCounted = 32;
    // By this class's own tickets, never a client's request id (a client may reuse one).
    private readonly Dictionary<long, Counting> _counting = [];
    private long _tickets;

    public void Listen(ISessionInbox inbox)
    {
        inbox.Receive<MarkersRead>(Markers);
        inbox.Receive<Fetched>(Fetched);
        inbox.Receive<NotCounted>(m =>
        {
            if (_counting.TryGetValue(m.Ticket, out var c) && c.Markers.Remove(m.Conversation) && c.Counts.Count == c.Markers.Count) Finish(m.Ticket);
        });
        inbox.Receive<CountTimeout>(m => Finish(m.Ticket));
    }

    /// <summary>Counts the rooms of <paramref name="list"/> this session is in, then <paramref name="answer"/>s the list
    /// with them; false (nothing started) when there is nothing to count.</summary>
    public bool Rooms(RoomEntry[] list, Action<RoomEntry[]> answer)
    {
        var mine = list.Where(r => rooms.Contains(r.Name)).Select(r => Conversation.Room(r.Name)).ToArray();
        return mine.Length > 0 && Start(mine, counts =>
            answer([.. list.Select(r => counts.TryGetValue(r.Name, out var n) ? r with { Unread = n } : r)]));
    }

    /// <summary>Counts the direct conversations with a marker, by the other party's name; false when there is nothing to count.</summary>
    public bool Who(Action<IReadOnlyDictionary<string, long>> answer) => Start(null, answer);

    private bool Start(Conversation[]? of, Action<IReadOnlyDictionary<string, long>> answer)
    {
        if (!desk.Reserved.IsReserved(name) || _counting.Count >= MaxCounting) return false;
        var ticket = ++_tickets;
        _counting[ticket] = new Counting(answer);
        timers.Timers.StartSingleTimer(("unread", ticket), new CountTimeout(ticket), desk.Settings.Timeout);
        desk.Actor.Tell(new ReadMarkers(name, ticket, of), self);
        return true;
    }

    private void Markers(MarkersRead m)
    {
        if (!_counting.TryGetValue(m.Ticket, out var c)) return;
        // The inbox names them in the order they moved, the latest last.
        foreach (var (conversation, marker) in m.Markers.Length > MaxCounted ? m.Markers[^MaxCounted..] : m.Markers)
        {
            c.Markers[conversation] = marker;
            // A DM conversation's newest as this reader sees it: from its reservation on (never an earlier owner's ids).
            var since = conversation.IsRoom ? 0 : desk.Reserved.Since(name) ?? 0;
            desk.Actor.Tell(new Fetch(conversation, m.Ticket, [], SinceMs: since, Reader: name, ReadUpTo: marker, Host: host), self);
        }
        if (c.Markers.Count == 0) Finish(m.Ticket);
    }

    private void Fetched(Fetched m)
    {
        if (!_counting.TryGetValue(m.Ticket, out var c) || !c.Markers.TryGetValue(m.Conversation, out var marker)) return;
        c.Counts[m.Conversation.SeenBy(name)] = Unread.Of(m, marker);
        if (c.Counts.Count == c.Markers.Count) Finish(m.Ticket);
    }

    private void Finish(long ticket)
    {
        if (!_counting.Remove(ticket, out var c)) return;
        timers.Timers.Cancel(("unread", ticket));
        c.Answer(c.Counts);
    }

    private sealed record CountTimeout(long Ticket);

    private sealed class Counting(Action<IReadOnlyDictionary<string, long>> answer)
    {
        public Action<IReadOnlyDictionary<string, long>> Answer { get; } = answer;
        public Dictionary<Conversation, long> Markers { get; } = [];
        public Dictionary<string, long> Counts { get; } = new(StringComparer.Ordinal);
    }
}
