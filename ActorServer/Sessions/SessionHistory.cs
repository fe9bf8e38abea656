using Akka.Actor;

namespace Switchboard.Server.Sessions;

/// <summary>
/// A session's use of the node's history (single-host mode with a store), on its <see cref="SessionActor"/>'s thread:
/// the client's history queries and read markers, each checked here (a room's history is its members', a DM
/// conversation's its two parties' while reserved, from their reservation on); a joined room's replay from the store,
/// with live messages of that room held back until it has been pushed; and, at login, what arrived while the client was
/// away, pushed before anything else is (at least once: the inbox forgets it only once the client acknowledged it).
/// </summary>
internal sealed class SessionHistory(string name, IActorRef self, IWithTimers timers, HistoryDesk desk, IReadOnlySet<string> rooms,
    SessionChat chat, string? host = null)
{
    /// <summary>A session's queries, read markers and replays waiting for the store at once. Each may have the node's one
    /// history actor start a conversation and read it back from the file (a reserved name may ask for its DMs with any
    /// name, a guest join and leave fresh rooms), and what its rate limit admits is far more than the store serves:
    /// eight reserved names of one host asking `history xN` of fresh names 200 times a second each had everyone else's
    /// room messages wait 5 s behind them and answered 503 (a hostile tester's finding). Past it a query or marker is
    /// answered 429 at once and a replay is this node's own memory of the room; one client at a time (the product
    /// client asks one at a time) never comes near.</summary>
    public const int MaxAsked = 8;

    /// <summary>Asks for a page of what arrived while away, each waited for the store's timeout times its number (5, 10,
    /// 15 s: 30 s in all): a store or a conversation's node that does not answer at once (a cluster moves a lost node's
    /// shards in ~12 s) is asked again; past the last the client hears, once, that it comes at its next login.</summary>
    internal const int MaxAwayAsks = 3;

    // Tickets of this session's own requests to the store that are not client requests: replays (by join id) and away.
    private readonly Dictionary<long, Replaying> _replays = [];
    private readonly Dictionary<long, Conversation> _queries = [];
    // Read markers asked of the store and not answered yet (by the client's request id).
    private readonly HashSet<long> _marks = [];
    // The next page of what arrived while away was asked for (its report is not the first).
    private bool _awayNext;
    // A page of what arrived while away, pushed: the inbox forgets it once the client has acknowledged its last event.
    private (long UpTo, long PushedTo, bool More)? _unacked;
    // The session holding its client's messages until the first page is pushed.
    private ISessionInbox? _holding;
    // Something was held for this name while a page was out: collected once that page is done.
    private bool _heldMeanwhile;
    // The asks for one page: tickets from _awayFrom to _awayTicket (0: none waits). The first answer among them is the
    // page; the others (a late answer to an earlier ask, the same page) are dropped, or it would be pushed twice.
    private long _awayTicket, _awayFrom;
    private int _awayAsks;
    private bool _toldUnfetched;

    public void Listen(ISessionInbox inbox)
    {
        inbox.FromClient<HistoryQuery>(m => m.Id, Query);
        inbox.Verb("markread", MarkRead);
        inbox.Receive<HistoryPage>(Page);
        inbox.Receive<MarkedOk>(m =>
        {
            if (Settled(m.Ticket, _marks.Remove(m.Ticket))) chat.Answer(m.Ticket, OpOutcome.Ok(OpValue.Of($"read up to {m.Marker}")));
        });
        inbox.Receive<AwayReport>(Away);
        inbox.Receive<HeldWhileOnline>(_ => HeldWhileOnline());
        inbox.Receive<AwayUnanswered>(m =>
        {
            if (_awayFrom == 0 || m.Ticket != _awayTicket) return;
            if (_awayAsks < MaxAwayAsks) AskAway();
            else Unfetched();
        });
        inbox.Receive<ReplayTimeout>(m =>
        {
            if (_replays.Remove(m.Id, out var r)) Joined(m.Id, r, r.Remembered);
        });
        // A query or marker the store did not answer in time (a conversation that could not be read, a journal that
        // hangs, or one moving off a node the cluster just lost): 503, as a kept message that cannot reach the store; a
        // late answer is dropped.
        inbox.Receive<AskTimeout>(m =>
        {
            if (_queries.Remove(m.Id) | _marks.Remove(m.Id)) chat.Answer(m.Id, new OpOutcome(Codes.Unavailable, OpValue.None, desk.Unanswered()));
        });
        if (desk.Reserved.Since(name) is null) return;
        // What arrived while away goes out before anything else: the client's requests wait for it (at most as long as
        // the store is waited for), or a client that sent one at once could have its answer, and exit, first.
        (_holding = inbox).HoldClient(this, desk.Settings.Timeout);
    }

    /// <summary>The client has its <see cref="Registered"/>: what arrived while away is asked for now, so that it cannot
    /// reach the client first (a client not registered yet drops it, and its inbox would wait for an ack that never comes).</summary>
    public void Start()
    {
        if (desk.Reserved.Since(name) is not null) CollectAway();
    }

    // A series of asks for one page: the first page, or a later one when _awayNext says so (it stays as it is while the
    // series waits).
    private void CollectAway()
    {
        (_awayFrom, _awayAsks) = (_awayTicket + 1, 0);
        AskAway();
    }

    private void AskAway()
    {
        if (desk.Reserved.Since(name) is not { } since)
        {
            _awayFrom = 0;
            return;
        }
        _awayAsks++;
        desk.Actor.Tell(new CollectAway(name, since, ++_awayTicket, _awayNext), self);
        timers.Timers.StartSingleTimer(AwayTimer, new AwayUnanswered(_awayTicket), desk.Settings.Timeout * _awayAsks);
    }

    // No answer to any ask: the inbox keeps it all (it forgets only what the client acknowledged), so it comes at the next
    // login; the client hears so once, and its held requests go on. A late answer is dropped (the client was told).
    private void Unfetched()
    {
        _awayFrom = 0;
        _awayNext = false;
        _holding?.ReleaseClient(this);
        _holding = null;
        if (_toldUnfetched) return;
        _toldUnfetched = true;
        chat.PushAway(new AwayNotice(0, [], Unfetched: true));
    }

    /// <summary>A store request of this session failed: a query's client hears it; a replay falls back to what this node
    /// remembers of the room (no ids: another node keeps the history, or the store is out of reach).</summary>
    public void Failed(HistoryFailed m)
    {
        // The host's read-backs spent: the join is still done, and says why its replay has no ids.
        if (_replays.Remove(m.Ticket, out var r))
            Joined(m.Ticket, r, r.Remembered, m.Code == Codes.RateLimited ? HistoryText.ReplayedFromMemory : null);
        else if (Settled(m.Ticket, _queries.Remove(m.Ticket) | _marks.Remove(m.Ticket))) chat.AnswerFailed(m.Ticket, m);
    }

    /// <summary>Whether a live room message waits for its room's replay (it is pushed after it, unless replayed).</summary>
    public bool Holds(Fanout m)
    {
        foreach (var r in _replays.Values)
            if (r.Room == m.Room)
            {
                r.Held.Add(m);
                return true;
            }
        return false;
    }

    public void Replay(long id, string room, (string From, string Text)[] remembered)
    {
        // Too many store reads of this session waiting (join and leave in a loop): the node's own memory of the room.
        if (Asking >= MaxAsked)
        {
            var local = new Replaying(room, remembered);
            Joined(id, local, local.Remembered);
            return;
        }
        _replays[id] = new Replaying(room, remembered);
        timers.Timers.StartSingleTimer(("replay", id), new ReplayTimeout(id), desk.Settings.Timeout);
        if (desk.Settings.Replay == 0) Joined(id, _replays[id], []);
        else desk.Actor.Tell(new ReadHistory(Conversation.Room(room), id, HistoryAnchor.Latest, 0, desk.Settings.Replay, Host: host), self);
    }

    private int Asking => _queries.Count + _marks.Count + _replays.Count;

    private bool TooMany(long id)
    {
        if (Asking < MaxAsked) return false;
        chat.Answer(id, new OpOutcome(Codes.RateLimited, OpValue.None, HistoryText.TooManyAsked(MaxAsked)));
        return true;
    }

    private void Query(HistoryQuery m)
    {
        if (TooMany(m.Id)) return;
        if (Readable(m.Conversation, out var since) is not { } conversation)
        {
            chat.Answer(m.Id, Refusal(m.Conversation));
            return;
        }
        _queries[m.Id] = conversation;
        Asked(m.Id);
        desk.Actor.Tell(new ReadHistory(conversation, m.Id, m.Anchor, m.At, m.Count, since, host), self);
    }

    // markread #ROOM|NAME ID
    private void MarkRead(ChatCommand m)
    {
        if (m.Args is not [var asked, var id] || !long.TryParse(id, out var msgId) || msgId < 1)
        {
            chat.Answer(m.Id, OpOutcome.Invalid("usage: markread #ROOM|NAME ID (a message id is a whole number from 1)"));
            return;
        }
        // Markers live in the reader's inbox, which only a reserved name has.
        if (!desk.Reserved.IsReserved(name))
        {
            chat.Answer(m.Id, new OpOutcome(Codes.Forbidden, OpValue.None, "only reserved names keep read markers: reserve your name first"));
            return;
        }
        if (Readable(asked, out var since) is not { } conversation) chat.Answer(m.Id, Refusal(asked));
        else if (!TooMany(m.Id))
        {
            _marks.Add(m.Id);
            Asked(m.Id);
            desk.Actor.Tell(new MarkReadUpTo(name, m.Id, conversation, msgId, since, host), self);
        }
    }

    // A room the client is in, or the DMs between it and another name while it is reserved (from its reservation on).
    private Conversation? Readable(string asked, out long sinceMs)
    {
        sinceMs = 0;
        if (asked.StartsWith('#'))
            return ChatRules.NormalizeRoom(asked) is { } room && rooms.Contains(room) ? Conversation.Room(room) : null;
        if (Limits.NameError(asked) is not null || desk.Reserved.Since(name) is not { } since) return null;
        sinceMs = since;
        return Conversation.Direct(name, asked);
    }

    private OpOutcome Refusal(string asked)
    {
        if (asked.StartsWith('#'))
            return ChatRules.NormalizeRoom(asked) is { } room
                ? new OpOutcome(Codes.Forbidden, OpValue.None, HistoryText.JoinFirst(room))
                : OpOutcome.Invalid("bad room name");
        // join takes a room's name without its '#'; history and markread read a bare name as a person's: say which.
        var meant = ChatRules.NormalizeRoom("#" + asked) is { } r && rooms.Contains(r) ? $" (did you mean {r}?)" : "";
        return Limits.NameError(asked) is { } error
            ? OpOutcome.Invalid($"conversation: {error}{meant}")
            : new OpOutcome(Codes.Forbidden, OpValue.None, HistoryText.GuestsHaveNoDirectHistory + meant);
    }

    private void Page(HistoryPage m)
    {
        if (_replays.Remove(m.Ticket, out var r))
        {
            Joined(m.Ticket, r, m.Lines);
            return;
        }
        if (Settled(m.Ticket, _queries.Remove(m.Ticket, out var conversation)))
            chat.AnswerHistory(m.Ticket, conversation.SeenBy(name), m.Lines, m.Trimmed, m.LastId);
    }

    private void Joined(long id, Replaying r, ChatLine[] lines, string? note = null)
    {
        timers.Timers.Cancel(("replay", id));
        var last = 0L;
        foreach (var l in lines)
        {
            chat.PushReplay(new Incoming(l.From, l.Text, false, r.Room, true, l.Id, l.TimeMs));
            last = l.Id;
        }
        // Live messages that came meanwhile follow, less those the replay already had.
        foreach (var f in r.Held)
            if (last == 0 || f.MsgId == 0 || f.MsgId > last) chat.PushIncoming(new Incoming(f.From, f.Text, false, f.Room, false, f.MsgId, f.TimeMs));
        chat.Answer(id, OpOutcome.Ok(OpValue.Of(note is null ? $"joined {r.Room}" : $"joined {r.Room} ({note})")));
    }

    // A page at a time: the notice before the first, the next asked for once one is delivered. The first page's report
    // counts the whole inbox: what will arrive (its lines and the later pages' still kept) and what retention trimmed.
    private void Away(AwayReport m)
    {
        // An answer without a ticket (a dormant history's empty one) answers whatever waits.
        if (_awayFrom == 0 || (m.Ticket != 0 && (m.Ticket < _awayFrom || m.Ticket > _awayTicket))) return;
        _awayFrom = 0;
        timers.Timers.Cancel(AwayTimer);
        if (!_awayNext)
        {
            var unread = m.Unread.Select(u => new UnreadEntry(u.Conversation.SeenBy(name), u.Unread)).ToArray();
            if (m.Lines.Length > 0 || unread.Length > 0 || m.Trimmed > 0 || m.Later > 0)
                chat.PushAway(new AwayNotice(m.Lines.Length + m.Later, unread, m.Trimmed));
        }
        foreach (var (conversation, l) in m.Lines)
            chat.PushIncoming(new Incoming(l.From, l.Text, !conversation.IsRoom, conversation.IsRoom ? conversation.Key : null, false, l.Id, l.TimeMs, Offline: true));
        _holding?.ReleaseClient(this);
        _holding = null;
        _awayNext = false;
        if (m.UpTo > 0) _unacked = (m.UpTo, chat.Pushed, m.More > 0);
        else if (_heldMeanwhile) CollectNext();
    }

    // A DM held for this name while it is online (its sender's session ended before the store kept it): collected now,
    // after any page still out, as a later page of what arrived while away (no notice again).
    private void HeldWhileOnline()
    {
        _heldMeanwhile = true;
        if (_unacked is null && !_awayNext && _holding is null) CollectNext();
    }

    private void CollectNext()
    {
        _heldMeanwhile = false;
        if (desk.Reserved.Since(name) is null) return;
        _awayNext = true;
        CollectAway();
    }

    /// <summary>The client has taken in <paramref name="acked"/> pushed events: a page of what arrived while away that
    /// they cover is forgotten by the inbox, and the next one asked for. Pushed is not enough (at least once): a client
    /// that exits or dies before it has them gets them again at its next login.</summary>
    public void Acknowledged(long acked)
    {
        if (_unacked is not var (upTo, pushedTo, more) || acked < pushedTo) return;
        _unacked = null;
        desk.Actor.Tell(new AwayDelivered(name, upTo), self);
        if (more || _heldMeanwhile) CollectNext();
    }

    private void Asked(long id) => timers.Timers.StartSingleTimer(("asked", id), new AskTimeout(id), desk.Settings.Timeout);

    // An answer to a request still waiting: its timer stops. False (nothing to answer) once it timed out.
    private bool Settled(long id, bool waiting)
    {
        if (waiting) timers.Timers.Cancel(("asked", id));
        return waiting;
    }

    private sealed record ReplayTimeout(long Id);

    private sealed record AskTimeout(long Id);

    private const string AwayTimer = "away";

    /// <summary>The ask <paramref name="Ticket"/> for what arrived while away had no answer in its time.</summary>
    private sealed record AwayUnanswered(long Ticket);

    private sealed class Replaying(string room, (string From, string Text)[] remembered)
    {
        public string Room { get; } = room;
        /// <summary>This node's own recent messages of the room (no ids): the replay when the store cannot give one.</summary>
        public ChatLine[] Remembered { get; } = [.. remembered.Select(x => new ChatLine(0, x.From, x.Text, 0))];
        public List<Fanout> Held { get; } = [];
    }
}
