using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Switchboard.Server.History;

/// <summary>
/// One reserved name's inbox, event-sourced (persistence id <c>inbox-NAME</c>): the direct messages that arrived while
/// it was offline (their conversation and id: the text stays in the conversation), and its read markers, one per
/// conversation, which only move forward. At a login it gathers the held messages from their conversations and the
/// unread counts, and forgets the held ones once the session says it pushed them (at least once: a session lost in
/// between gets them again at the next login).
/// <para>Every <see cref="SnapshotEvery"/> events (and at once when the name changes hands) it saves its state as a
/// snapshot and deletes its events up to it: a name read all day for years keeps a few rows, not one per marker moved,
/// and its next start reads those few.</para>
/// </summary>
public sealed class InboxActor : HistoryEntity, IWithTimers
{
    /// <summary>Read markers an inbox keeps; past it the least recently moved is forgotten.</summary>
    public const int MaxMarkers = 256;

    /// <summary>Held messages one <see cref="AwayReport"/> carries at most (the rest follow, a page at a time).</summary>
    public const int PageLines = 96;

    /// <summary>Events written between two snapshots at most.</summary>
    public const int SnapshotEvery = 100;
    private readonly string _owner;
    private readonly HistorySettings _settings;
    private readonly ReservedNames? _reserved;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Each held message with the sequence number of its MessageHeld event: a delivery names the last one it covered, so
    // a second login's delivery cannot forget messages held after the first one gathered.
    private readonly List<(Conversation Conversation, long MsgId, long Seq)> _held = [];
    private readonly MovedMarkers _read = new(MaxMarkers);
    // The last messages pushed at a login (in memory; what the events since the last snapshot say after a restart): a
    // sender asking again after its first ask was held but not answered (a node killed in between) is answered held,
    // not given the message a second time.
    private readonly HashSet<(Conversation, long)> _delivered = [];
    private readonly Queue<(Conversation, long)> _deliveredOrder = new();
    private const int DeliveredKept = 256;
    private readonly Dictionary<long, Gathering> _gathering = [];
    private bool _stopWhenGathered;
    private long _tickets;
    // The sequence number the last snapshot was taken (or recovered) at, and whether one is being saved.
    private long _snapshotAt;
    private bool _saving;

    private readonly SwitchboardMetrics? _metrics;
    private readonly HistoryRoutes _routes;

    /// <param name="routes">Where it asks conversations for held messages, and where it says it is stopping after a failure.</param>
    /// <param name="reserved">Which senders are not guests (null: all count as reserved, no guests' share).</param>
    public InboxActor(string owner, HistorySettings settings, HistoryRoutes routes, SwitchboardMetrics? metrics = null, ReservedNames? reserved = null)
        : base(routes, m => m switch
        {
            // A message to hold is in its conversation already: its sender must not send it again.
            Hold h => new HistoryFailed(h.Ticket, Codes.Unavailable, HistoryText.KeptNotHeld(owner)),
            MarkChecked c => AskedWhileReading.Unreadable(c.Mark.Ticket),
            ReadMarkers r => new MarkersRead(r.Ticket, []), // the lists go out without counts
            _ => null,
        })
    {
        _reserved = reserved;
        _metrics = metrics;
        _routes = routes;
        _owner = owner;
        _settings = settings;
        PersistenceId = PersistenceIdOf(owner);
        Recover<MessageHeld>(e => _held.Add((new Conversation(e.Conversation), e.MsgId, LastSequenceNr)));
        Recover<HeldDelivered>(e => Delivered(e.UpTo));
        Recover<HeldDropped>(e => _held.RemoveAll(h => h.Seq == e.Seq));
        Recover<MarkedRead>(e => Mark(e.Conversation, e.MsgId));
        Recover<MarkerForgotten>(e => _read.Forget(e.Conversation));
        Recover<InboxCleared>(_ => Clear());
        Recover<SnapshotOffer>(o => Restore(o.Metadata.SequenceNr, (InboxSnapshot)o.Snapshot));
        // An inbox written before snapshots existed (or stopped before its last one) is compacted now.
        Recover<RecoveryCompleted>(_ =>
        {
            ReadServed();
            _metrics?.DataStoreRead();
            if (LastSequenceNr - _snapshotAt >= SnapshotEvery) Snapshot();
        });
        // What the name's earlier owner left goes from the store now, not after the new owner's next hundred events.
        Command<ClearInbox>(_ =>
        {
            if (_held.Count > 0 || _read.Count > 0) Persist(InboxCleared.Instance, _ => Persisted(Clear, now: true));
        });
        Command<SaveSnapshotSuccess>(m =>
        {
            _saving = false;
            DeleteMessages(m.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(m.Metadata.SequenceNr - 1));
            // As many events again came while this one was saved (a slow store): the next is due now, not at the next
            // event, which may never come (the rows past a hundred stayed; a spec saw it on a loaded box).
            if (LastSequenceNr - _snapshotAt >= SnapshotEvery) Snapshot();
        });
        Command<SaveSnapshotFailure>(m =>
        {
            // The events stay; the next snapshot is tried after as many again.
            _saving = false;
            _log.Warning("inbox of '{0}': saving its snapshot at {1} failed: {2}", _owner, m.Metadata.SequenceNr, m.Cause.Message);
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteMessagesFailure>(m => _log.Warning("inbox of '{0}': deleting its events to {1} failed: {2}", _owner, m.ToSequenceNr, m.Cause.Message));
        Command<DeleteSnapshotsFailure>(m => _log.Warning("inbox of '{0}': deleting its older snapshots failed: {1}", _owner, m.Cause.Message));
        Command<Hold>(OnHold);
        // A read marker its conversation checked (there is such a message).
        Command<MarkChecked>(m => OnMarkRead(m.Mark));
        Command<ReadMarkers>(m => Sender.Tell(new MarkersRead(m.Ticket, Markers(m.Of))));
        Command<ForgetMarker>(m =>
        {
            if (_read.TryGetValue(m.Conversation.Key, out _))
                Persist(new MarkerForgotten(m.Conversation.Key), e => Persisted(() => _read.Forget(e.Conversation)));
        });
        Command<CollectAway>(OnCollect);
        Command<Fetched>(OnFetched);
        Command<GatherTimeout>(m => Finish(m.Ticket));
        Command<AwayDelivered>(OnDelivered);
        // Let go while gathering: past max-live the least recently used goes, and that was this inbox, whose gathering
        // starts a conversation for each sender (a stranger's guest names writing to its owner, one DM each, were more
        // than max-live): its report never came and every login got nothing (a hostile tester's finding). It stops once
        // its report is sent (within the store's timeout); what comes for it meanwhile waits for its successor.
        Command<StopChild>(_ =>
        {
            if (_gathering.Count == 0) Context.Stop(Self);
            else _stopWhenGathered = true;
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId { get; }

    public static string PersistenceIdOf(string owner) => "inbox-" + owner;

    public static Props Props(string owner, HistorySettings settings, HistoryRoutes routes, SwitchboardMetrics? metrics = null,
        ReservedNames? reserved = null) =>
        Akka.Actor.Props.Create(() => new InboxActor(owner, settings, routes, metrics, reserved));

    private void OnHold(Hold m)
    {
        // Asked again by a sender whose first ask went unanswered (a lost node's shard, a slow store): held once, and
        // not again once pushed.
        if (_held.Exists(h => h.MsgId == m.MsgId && h.Conversation == m.Conversation) || _delivered.Contains((m.Conversation, m.MsgId)))
        {
            Sender.Tell(new HeldOk(m.Ticket));
            return;
        }
        // Which bound it is, said apart: a sender stopped by its own share must not take the whole inbox for full.
        if (_held.Count(h => h.Conversation == m.Conversation) >= _settings.MaxHeldFrom)
        {
            Sender.Tell(new HistoryFailed(m.Ticket, Codes.Unavailable, HistoryText.InboxFullFromYou(_owner, _settings.MaxHeldFrom)));
            return;
        }
        // Full: the sender holding the most gives its oldest place, if it holds more than this one would; else refused.
        if (_held.Count >= _settings.MaxHeld && !MakeRoom(m.Conversation, _ => true))
        {
            Sender.Tell(new HistoryFailed(m.Ticket, Codes.Unavailable, HistoryText.InboxFull(_owner)));
            return;
        }
        // Whether a sender is a guest is asked now (of the held ones too): one who reserved since counts as reserved.
        if (Guest(m.Conversation) && _held.Count(h => Guest(h.Conversation)) >= _settings.MaxHeldFromGuests && !MakeRoom(m.Conversation, Guest))
        {
            Sender.Tell(new HistoryFailed(m.Ticket, Codes.Unavailable, HistoryText.InboxFullOfGuests(_owner)));
            return;
        }
        var replyTo = Sender;
        Persist(new MessageHeld(m.Conversation.Key, m.MsgId), e =>
        {
            _held.Add((m.Conversation, e.MsgId, LastSequenceNr));
            _metrics?.StoredOffline();
            replyTo.Tell(new HeldOk(m.Ticket));
            Persisted();
        });
    }

    // A full inbox (or guests' share) was a wall: ten names one host reserved filled anyone's with 100 messages each, and
    // every other sender was answered 503 until its owner logged in (a hostile tester's finding). Now the sender holding
    // the most, among those the bound counts, gives up its oldest held message (still in its conversation's history, only
    // not pushed at the login) when it holds more than the newcomer would: a flood takes its own places, not others'.
    private bool MakeRoom(Conversation newcomer, Func<Conversation, bool> counted)
    {
        var mine = 0;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var h in _held)
        {
            if (h.Conversation == newcomer) mine++;
            if (counted(h.Conversation)) counts[h.Conversation.Key] = counts.GetValueOrDefault(h.Conversation.Key) + 1;
        }
        if (counts.Count == 0) return false;
        var (most, count) = counts.MaxBy(c => c.Value);
        if (count <= mine + 1) return false;
        var oldest = _held.First(h => h.Conversation.Key == most);
        _log.Info("inbox of '{0}' full: the oldest of the {1} messages held from {2} gives its place to another sender's (it stays in the history)",
            _owner, count, most);
        // Gone at once, not in the handler: the guests' bound, checked next for the same newcomer, counts without it.
        _held.Remove(oldest);
        Persist(new HeldDropped(oldest.Seq), _ => Persisted());
        return true;
    }

    private bool Guest(Conversation c) => _reserved is not null && c.Other(_owner) is { } sender && !_reserved.IsReserved(sender);

    private void OnMarkRead(MarkReadUpTo m)
    {
        var current = _read.Of(m.Conversation.Key);
        if (m.MsgId <= current)
        {
            Sender.Tell(new MarkedOk(m.Ticket, current));
            return;
        }
        var replyTo = Sender;
        Persist(new MarkedRead(m.Conversation.Key, m.MsgId), e =>
        {
            Mark(e.Conversation, e.MsgId);
            replyTo.Tell(new MarkedOk(m.Ticket, e.MsgId));
            Persisted();
        });
    }

    private (Conversation, long)[] Markers(Conversation[]? of) => of is null
        ? [.. _read.InOrder.Where(r => !r.Conversation.StartsWith('#')).Select(r => (new Conversation(r.Conversation), r.MsgId))]
        : [.. of.Where(c => _read.TryGetValue(c.Key, out _)).Select(c => (c, _read.Of(c.Key)))];

    private void Clear()
    {
        _held.Clear();
        _read.Clear();
        _delivered.Clear();
        _deliveredOrder.Clear();
    }

    // The least recently moved goes first, past MaxMarkers.
    private void Mark(string conversation, long msgId) => _read.Move(conversation, msgId);

    // A page at a time, the oldest held first: PageLines of the longest texts stay well within a message between
    // cluster nodes (akka.remote's maximum-frame-size, 512,000 bytes), which a whole inbox of them (max-held) is not.
    // Each conversation with held messages on the page, or (first page) a marker or held messages on later pages, is
    // asked once; the report goes when all answered, or at the timeout with what came (a conversation that cannot be
    // read does not hold up the rest). The first page's notice is the only one the client sees: it also counts, without
    // their texts, the later pages' messages still kept and those retention trimmed.
    private void OnCollect(CollectAway m)
    {
        var ticket = ++_tickets;
        var page = _held.Take(PageLines).ToList();
        var ids = page.GroupBy(h => h.Conversation).ToDictionary(g => g.Key, g => g.Select(h => h.MsgId).ToArray());
        var counted = m.Next
            ? []
            : _held.Skip(PageLines).GroupBy(h => h.Conversation).ToDictionary(g => g.Key, g => g.Select(h => h.MsgId).ToArray());
        if (!m.Next)
        {
            foreach (var key in counted.Keys) ids.TryAdd(key, []);
            foreach (var (key, _) in _read.InOrder) ids.TryAdd(new Conversation(key), []);
        }
        var heldAt = new Dictionary<(string, long), long>(page.Count);
        foreach (var h in page) heldAt.TryAdd((h.Conversation.Key, h.MsgId), h.Seq);
        var gathering = new Gathering(Sender, m.Ticket, page.Count > 0 ? page[^1].Seq : 0, ids.Count, page.Count, m.SinceMs, _held.Count - page.Count, heldAt);
        _gathering[ticket] = gathering;
        foreach (var (conversation, wanted) in ids)
            _routes.Conversations.Tell(new Fetch(conversation, ticket, wanted, counted.GetValueOrDefault(conversation), m.SinceMs,
                _read.TryGetValue(conversation.Key, out var marker) ? _owner : null, marker));
        if (ids.Count == 0) Finish(ticket);
        else Timers.StartSingleTimer(ticket, new GatherTimeout(ticket), _settings.Timeout);
    }

    private void OnFetched(Fetched m)
    {
        if (!_gathering.TryGetValue(m.Ticket, out var g)) return;
        // Never what was sent before the name's present reservation (to an earlier owner of the name).
        foreach (var line in m.Lines)
            if (line.TimeMs >= g.SinceMs) g.Lines.Add(new AwayLine(m.Conversation, line));
            else g.Older++;
        g.Later += m.Kept;
        g.LaterGone += m.Gone;
        // One's own messages are never unread (Unread.Of).
        if (_read.TryGetValue(m.Conversation.Key, out var marker) && Unread.Of(m, marker) is var unread && unread > 0)
            g.Unread.Add((m.Conversation, unread));
        if (++g.Answered == g.Expected) Finish(m.Ticket);
    }

    private void Finish(long ticket)
    {
        if (!_gathering.Remove(ticket, out var g)) return;
        Timers.Cancel(ticket);
        // In the order they were held, across conversations (times tie within a millisecond).
        var lines = g.Lines.OrderBy(l => g.HeldAt.GetValueOrDefault((l.Conversation.Key, l.Line.Id))).ToArray();
        // Every conversation answered: what was held and not found, retention trimmed. One that did not answer in time
        // forgets nothing (UpTo 0): its messages come again at the next login.
        var complete = g.Answered == g.Expected;
        g.ReplyTo.Tell(complete
            ? new AwayReport(lines, [.. g.Unread], g.UpTo, g.Held - lines.Length - g.Older + g.LaterGone, g.Ticket, g.More, g.Later)
            : new AwayReport(lines, [.. g.Unread], 0, 0, g.Ticket));
        if (_stopWhenGathered && _gathering.Count == 0) Context.Stop(Self);
    }

    private void OnDelivered(AwayDelivered m)
    {
        if (_held.Count == 0 || m.UpTo < _held[0].Seq) return;
        Persist(new HeldDelivered(m.UpTo), e => Persisted(() => Delivered(e.UpTo)));
    }

    private void Delivered(long upTo)
    {
        foreach (var h in _held)
        {
            if (h.Seq > upTo) continue;
            if (_delivered.Add((h.Conversation, h.MsgId))) _deliveredOrder.Enqueue((h.Conversation, h.MsgId));
            if (_deliveredOrder.Count > DeliveredKept) _delivered.Remove(_deliveredOrder.Dequeue());
        }
        _held.RemoveAll(h => h.Seq <= upTo);
    }

    private void Persisted(Action? apply = null, bool now = false)
    {
        apply?.Invoke();
        if ((now || LastSequenceNr - _snapshotAt >= SnapshotEvery) && !_saving) Snapshot();
    }

    private void Snapshot()
    {
        // Taken at this number even if saving it fails: the next try comes after as many events again.
        _saving = true;
        _snapshotAt = LastSequenceNr;
        SaveSnapshot(new InboxSnapshot([.. _held.Select(h => (h.Conversation.Key, h.MsgId, h.Seq))], [.. _read.InOrder]));
    }

    private void Restore(long at, InboxSnapshot s)
    {
        _snapshotAt = at;
        Clear();
        foreach (var (conversation, msgId, seq) in s.Held) _held.Add((new Conversation(conversation), msgId, seq));
        foreach (var (conversation, msgId) in s.Read) Mark(conversation, msgId);
    }

    private void Stopping() => _routes.Supervisor?.Tell(new ChildStopping(Self));

    // The actor stops after this (Akka's rule); the base method would only log the failure again, with its stack.
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        DataStoreErrors.Log(_log, reason, $"inbox of '{_owner}': could not be read from the store", Context.System);
        _metrics?.DataStoreReadFailed(DataStoreErrors.OneLine(reason));
        ReadFailed();
        Stopping();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "inbox of '{0}': the journal rejected event {1}", _owner, sequenceNr);
        _metrics?.DataStoreWriteFailed(DataStoreErrors.OneLine(cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    // As for a failed read: the actor stops, and the failure is logged once.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        DataStoreErrors.Log(_log, cause, $"inbox of '{_owner}': the journal could not write event {sequenceNr}", Context.System);
        _metrics?.DataStoreWriteFailed(DataStoreErrors.OneLine(cause));
        Stopping();
    }

    private sealed record GatherTimeout(long Ticket);

    private sealed class Gathering(IActorRef replyTo, long ticket, long upTo, int expected, int held, long sinceMs, int more,
        Dictionary<(string Conversation, long MsgId), long> heldAt)
    {
        /// <summary>Where each held message of the page is in the inbox's order.</summary>
        public Dictionary<(string Conversation, long MsgId), long> HeldAt { get; } = heldAt;
        public int More { get; } = more;
        public long Ticket { get; } = ticket;
        public int Held { get; } = held;
        public long SinceMs { get; } = sinceMs;
        public int Older { get; set; }
        /// <summary>(First page) the later pages' held messages still kept, and those retention trimmed.</summary>
        public int Later { get; set; }
        public int LaterGone { get; set; }
        public IActorRef ReplyTo { get; } = replyTo;
        public long UpTo { get; } = upTo;
        public int Expected { get; } = expected;
        public int Answered { get; set; }
        public List<AwayLine> Lines { get; } = [];
        public List<(Conversation, long)> Unread { get; } = [];
    }
}
