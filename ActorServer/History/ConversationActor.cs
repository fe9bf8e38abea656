using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Switchboard.Server.History;

/// <summary>
/// One conversation's kept messages, event-sourced (persistence id <c>conversation-KEY</c>). Messages are written in
/// batches (<see cref="MessagesPosted"/>: one event for those that came while the one before was being written), each
/// message's id its place in the conversation, gap-free and in order; a message is answered <see cref="Posted"/> only
/// once the journal has it, in the order they came. What retention allows (messages, bytes, age) is kept in memory too,
/// so a query never reads the store; what it no longer allows is trimmed from memory at once and from the journal in
/// steps (<c>DeleteMessagesTo</c> of the events whose messages are all trimmed; <see cref="IdsReached"/> is written
/// before the newest one goes, so ids never restart).
/// <para>On a single host it lives under <see cref="HistoryActor"/>, which routes everything to it; in a cluster it is a
/// sharded entity (one per conversation cluster-wide). Either way it is its persistence id's only writer.</para>
/// </summary>
public sealed class ConversationActor : HistoryEntity
{
    // Trimmed ids are deleted from the journal once this many have gathered (one delete transaction of several statements
    // per batch, not per message), or a quarter of max-messages if more: a busy conversation past its retention deletes
    // that much less often, and the file holds at most that many more of its rows.
    private const int DeleteAtLeast = 64;
    private readonly int _deleteEvery;
    // ... or once their text reaches a quarter of max-bytes: long messages are deleted in smaller batches, so the file
    // holds a room's bound and a quarter more, not a batch of 4 KB messages more (240 KB for a room bound to 32 KiB).
    private readonly long _deleteBytes;
    private readonly bool _forgetting;
    private readonly Conversation _conversation;
    private readonly HistorySettings _settings;
    private readonly TimeProvider _clock;
    // The node's (null: a spec's, a cluster's shard): a reservation's start and the times stamped here follow each other.
    private readonly StampedTimes? _times;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly KeptLines _lines = new();
    // Messages in one event at most, and their text's bytes (UTF-16): what came beyond goes in the next.
    private const int BatchMessages = 64;
    private const long BatchBytes = 64 * 1024;
    // Everyone waiting for "written", in the order their messages came (those of the events in flight, then _pending's).
    private readonly Queue<(IActorRef ReplyTo, long Ticket, long Asked)> _writing = new();
    // Come while a batch was being written: the next batch.
    private readonly List<MessagePosted> _pending = [];
    // The written message events still in the journal (not yet deleted), oldest first: sequence number, last id.
    private readonly Queue<(long Seq, long LastId)> _events = new();
    // Deletes asked of the journal, oldest first: up to which sequence number, and so up to which id.
    private readonly Queue<(long Seq, long LastId)> _deletes = new();
    private int _inFlight;
    // An IdsReached being written (the journal's delete follows it).
    private bool _marking;
    private long _lastId, _nextId = 1;
    private readonly SwitchboardMetrics? _metrics;
    private readonly HistoryRoutes _routes;
    private long _bytes, _trimmedBytes, _deletedTo, _deleting, _lastTime, _newestTime;

    /// <param name="routes">Where read markers go once checked, and where it says it is stopping after a failure.</param>
    /// <param name="forgetting">Started only to be told <see cref="ForgetRoom"/>: nothing is read back but the highest id.</param>
    public ConversationActor(Conversation conversation, HistorySettings settings, TimeProvider clock, HistoryRoutes routes,
        SwitchboardMetrics? metrics = null, bool forgetting = false, StampedTimes? times = null) : base(routes, m => m switch
        {
            Post p => AskedWhileReading.Unreadable(p.Ticket),
            ReadHistory r => AskedWhileReading.Unreadable(r.Ticket),
            MarkReadUpTo k => AskedWhileReading.Unreadable(k.Ticket),
            _ => null,
        })
    {
        _forgetting = forgetting;
        _deleteBytes = Math.Max(1, settings.MaxBytes / 4);
        _metrics = metrics;
        _routes = routes;
        _conversation = conversation;
        _settings = settings;
        _clock = clock;
        _times = times;
        _deleteEvery = Math.Max(DeleteAtLeast, settings.MaxMessages / 4);
        PersistenceId = conversation.PersistenceId;
        // Written alone by an earlier version: its id is its sequence number (every event before it was one of these).
        Recover<MessagePosted>(e =>
        {
            Keep(LastSequenceNr, e);
            Written(LastSequenceNr);
        });
        Recover<MessagesPosted>(e =>
        {
            // Ids only go forward; a line is found by counting from the first kept, so the kept ones must follow each
            // other. A gap (a batch the journal rejected while the next was written) reads as if what came before it
            // was trimmed, rather than shifting every line after it.
            if (e.FirstId <= _lastId)
                throw new InvalidOperationException($"event {LastSequenceNr} repeats ids from {e.FirstId} (the last was {_lastId})");
            if (_lines.Count > 0 && e.FirstId != _lastId + 1)
            {
                _log.Warning("conversation {0}: ids {1} to {2} are not in the journal; what came before them is read as trimmed", _conversation, _lastId + 1, e.FirstId - 1);
                _lines.RemoveOldest(_lines.Count);
                _bytes = 0;
            }
            for (var i = 0; i < e.Messages.Count; i++) Keep(e.FirstId + i, e.Messages[i]);
            Written(e.LastId);
        });
        Recover<IdsReached>(e =>
        {
            _newestTime = Math.Max(_newestTime, e.NewestMs);
            _lastTime = Math.Max(_lastTime, e.NewestMs);
            Written(e.LastId);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _times?.Saw(_lastTime);
            ReadServed();
            _metrics?.DataStoreRead();
            // Every event deleted, none of them an IdsReached: an earlier version's journal, whose ids are its sequence numbers.
            if (_lastId == 0) _lastId = LastSequenceNr;
            _nextId = _lastId + 1;
            // Below the first recovered id the journal holds nothing any more; what retention no longer allows is trimmed now.
            _deletedTo = FirstId - 1;
            Trim();
            DeleteTrimmedNow(); // what this run's retention no longer allows (lowered since, or a batch left over)
        });
        Command<Post>(OnPost);
        Command<ReadHistory>(OnRead);
        Command<Fetch>(OnFetch);
        // A read marker is checked here (there is such a message) before the reader's inbox keeps it.
        // Only within the reader's view: a marker on an earlier owner's message would count that owner's messages as unread.
        Command<MarkReadUpTo>(m =>
        {
            var view = ViewFrom(m.SinceMs);
            if (m.MsgId > view.Last)
                Sender.Tell(new HistoryFailed(m.Ticket, Codes.Invalid, view.Last == 0
                    ? $"there is no message {m.MsgId} yet (there is none yet)"
                    : $"there is no message {m.MsgId} yet (the newest is {view.Last})"));
            else if (m.MsgId <= view.Hidden)
                Sender.Tell(new HistoryFailed(m.Ticket, Codes.Invalid, $"message {m.MsgId} is from before your reservation (your first is {view.Hidden + 1})"));
            else _routes.Inboxes.Forward(new MarkChecked(m));
        });
        // After every pending write's callback (DeferAsync runs behind them), never with a message unanswered.
        Command<StopChild>(_ =>
        {
            Flush();
            DeferAsync(StopChild.Instance, _ => LetGo());
        });
        Command<ForgetRoom>(_ =>
        {
            Flush();
            DeferAsync(ForgetRoom.Instance, _ => Forget());
        });
        Command<DeleteMessagesSuccess>(Deleted);
        Command<DeleteMessagesFailure>(m => _log.Warning("conversation {0}: trimming the store to {1} failed: {2}", _conversation, m.ToSequenceNr, m.Cause.Message));
    }

    public override string PersistenceId { get; }

    public static Props Props(Conversation conversation, HistorySettings settings, TimeProvider clock, HistoryRoutes routes,
        SwitchboardMetrics? metrics = null, bool forgetting = false, StampedTimes? times = null) =>
        Akka.Actor.Props.Create(() => new ConversationActor(conversation, settings, clock, routes, metrics, forgetting, times));

    /// <summary>One started only to forget reads none of its messages back.</summary>
    public override Recovery Recovery => _forgetting ? Recovery.None : base.Recovery;

    /// <summary>The first id still kept (the next one when none is).</summary>
    private long FirstId => _lines.Count > 0 ? _lines.IdAt(0) : _lastId + 1;

    /// <summary>
    /// The conversation as a reader who may see it from <paramref name="sinceMs"/> on sees it (a reserved party of a DM
    /// conversation, from its reservation): ids up to <see cref="View.Hidden"/> were before that, ids up to
    /// <see cref="View.Below"/> are not to be read (before it, or trimmed), the newest is <see cref="View.Last"/>. With
    /// nothing of the conversation in view it is as if empty (all 0): the next owner of a name was told the earlier
    /// owner's newest id, and so how many DMs it had. Ids are the conversation's, so the first one it does see says how
    /// many came before, and nothing else of them. Times never go back within a conversation, so the view is a suffix
    /// of the ids; what was trimmed has no time left, and the view then starts at the first kept (as before).
    /// </summary>
    private View ViewFrom(long sinceMs)
    {
        if (sinceMs <= 0) return new View(0, FirstId - 1, _lastId);
        // The newest written message's time (kept, or trimmed: IdsReached keeps it across a restart); unknown (0) after
        // an earlier version's restart that found everything deleted: then nothing is in view, rather than the earlier
        // owner's ids.
        if (_lastId == 0 || _newestTime < sinceMs) return new View(0, 0, 0);
        var first = _lines.FirstAtOrAfter(sinceMs);
        if (first <= 0) return new View(0, FirstId - 1, _lastId); // from the first kept (or all trimmed)
        var hidden = _lines.IdAt(first) - 1;
        return new View(hidden, hidden, _lastId);
    }

    private readonly record struct View(long Hidden, long Below, long Last);

    private void OnPost(Post m)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Times never go backwards within a conversation, even when the clock does; nor before a reservation started.
        now = _times?.Stamp(now, _lastTime) ?? Math.Max(now, _lastTime);
        _lastTime = now;
        _writing.Enqueue((Sender, m.Ticket, System.Diagnostics.Stopwatch.GetTimestamp()));
        _pending.Add(new MessagePosted(m.From, m.Text, now));
        // One batch in flight: what comes meanwhile waits for it and goes in the next, as one event.
        if (_inFlight == 0) Flush();
    }

    // What waits goes to the journal, in events of BatchMessages and BatchBytes at most. PersistAsync: commands are not
    // stashed meanwhile; ids, callbacks and answers follow the order messages came in.
    private void Flush()
    {
        if (_pending.Count == 0) return;
        var batches = new List<MessagesPosted>(1);
        var start = 0;
        while (start < _pending.Count)
        {
            var count = 0;
            var bytes = 0L;
            while (start + count < _pending.Count && count < BatchMessages && (count == 0 || bytes + Size(_pending[start + count]) <= BatchBytes))
                bytes += Size(_pending[start + count++]);
            batches.Add(new MessagesPosted(_nextId, _pending.GetRange(start, count)));
            _nextId += count;
            start += count;
        }
        _pending.Clear();
        _inFlight += batches.Count;
        PersistAllAsync(batches, OnWritten);
    }

    private void OnWritten(MessagesPosted e)
    {
        _inFlight--;
        for (var i = 0; i < e.Messages.Count; i++)
        {
            var (replyTo, ticket, asked) = _writing.Dequeue();
            _metrics?.DataStoreWritten(asked);
            var m = e.Messages[i];
            Keep(e.FirstId + i, m);
            replyTo.Tell(new Posted(ticket, _conversation, e.FirstId + i, m.TimeMs));
        }
        Written(e.LastId);
        Trim();
        if (_inFlight == 0) Flush();
    }

    // An event the journal holds (a batch of messages, or IdsReached), in order of sequence number: it can be deleted once
    // none of its ids is kept.
    private void Written(long lastId)
    {
        _lastId = Math.Max(_lastId, lastId);
        _events.Enqueue((LastSequenceNr, lastId));
    }

    private void OnRead(ReadHistory m)
    {
        Trim();
        var view = ViewFrom(m.SinceMs);
        var window = HistoryWindow.Select(m.Anchor, m.At, m.Count, _settings.MaxQuery, view.Below + 1, view.Last, out var error);
        if (window is not var (from, to))
        {
            Sender.Tell(new HistoryFailed(m.Ticket, Codes.Invalid, error!));
            return;
        }
        var lines = Range(from, to).Where(l => l.TimeMs >= m.SinceMs).ToList();
        // Within Limits.MaxHistoryReplyBytes: the lines nearest the anchor.
        var (start, count) = HistoryWindow.Cap(lines, m.Anchor, m.At, Limits.MaxHistoryReplyBytes);
        Sender.Tell(new HistoryPage(m.Ticket, _conversation, lines.GetRange(start, count).ToArray(), view.Below, view.Last));
        if (view.Below > 0) DeleteTrimmedNow();
    }

    private void OnFetch(Fetch m)
    {
        var first = FirstId;
        bool Holds(long id) => id >= first && id <= _lastId;
        var lines = m.Ids.Where(Holds).Select(id => _lines[(int)(id - first)]).ToArray();
        int kept = 0, gone = 0;
        foreach (var id in m.Counted ?? [])
            if (!Holds(id)) gone++;
            else if (_lines.TimeAt((int)(id - first)) >= m.SinceMs) kept++;
        var last = ViewFrom(m.SinceMs).Last;
        Sender.Tell(new Fetched(m.Ticket, _conversation, lines, last, kept, gone, m.Reader is null ? null : UnreadBy(m.Reader, m.ReadUpTo, last)));
    }

    // The reader's own messages are never unread to them; one retention trimmed counts, its sender no longer known.
    private long UnreadBy(string reader, long readUpTo, long last)
    {
        var from = Unread.From(readUpTo, last);
        var first = FirstId;
        var unread = Math.Max(0, Math.Min(last, first - 1) - from);
        for (var id = Math.Max(from + 1, first); id <= last; id++)
            if (!string.Equals(_lines.FromAt((int)(id - first)), reader, StringComparison.Ordinal)) unread++;
        return unread;
    }

    private IEnumerable<ChatLine> Range(long from, long to)
    {
        var first = FirstId;
        for (var id = from; id <= to; id++) yield return _lines[(int)(id - first)];
    }

    private void Keep(long id, MessagePosted m)
    {
        _lastTime = Math.Max(_lastTime, m.TimeMs);
        _newestTime = m.TimeMs; // unlike _lastTime, not moved by a post still being written
        _lines.Add(id, m.From, m.Text, m.TimeMs);
        _bytes += Size(m);
    }

    // Retention: the oldest go while there are too many, too many bytes, or they are too old.
    private void Trim()
    {
        var oldest = _clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)_settings.MaxAge.TotalMilliseconds;
        var n = 0;
        while (n < _lines.Count && (_lines.Count - n > _settings.MaxMessages || _bytes > _settings.MaxBytes || _lines.TimeAt(n) < oldest))
        {
            var size = _lines.SizeAt(n++);
            _bytes -= size;
            _trimmedBytes += size;
        }
        if (n > 0) _lines.RemoveOldest(n);
        var trimmedTo = FirstId - 1;
        var undeleted = trimmedTo - Math.Max(_deletedTo, _deleting);
        if (undeleted <= 0 || (undeleted < _deleteEvery && _trimmedBytes < _deleteBytes)) return;
        DeleteTrimmed();
    }

    // What a reader was told is trimmed, or a read-back found retention no longer allows, leaves the file now rather than
    // with the next batch: the rows stayed until then, and retention raised again (a restart) brought back messages a
    // query had answered as trimmed. Only whole events go (DeleteTrimmed): a message written in one event with a kept
    // one stays in the file, hidden, until that one is trimmed too.
    private void DeleteTrimmedNow()
    {
        if (!_marking && FirstId - 1 > Math.Max(_deletedTo, _deleting)) DeleteTrimmed();
    }

    // The events whose messages are all trimmed leave the journal; false when none is (the oldest still has a kept
    // message, or the newest is still being written after them).
    private bool DeleteTrimmed()
    {
        var trimmedTo = FirstId - 1;
        long seq = 0, lastId = 0;
        var n = 0;
        foreach (var e in _events)
        {
            if (e.LastId > trimmedTo) break;
            (seq, lastId) = e;
            n++;
        }
        // The newest written event too: IdsReached goes first, as the journal's newest, since the journal keeps only the
        // sequence number of what it deletes. Not while a batch is in flight (its ids would not be in it): after it.
        var newest = n == _events.Count;
        if (n == 0 || (newest && _inFlight > 0)) return false;
        for (var i = 0; i < n; i++) _events.Dequeue();
        _trimmedBytes = 0;
        _deleting = lastId;
        if (!newest)
        {
            Delete(seq, lastId);
            return true;
        }
        _marking = true;
        PersistAsync(new IdsReached(_lastId, _newestTime), e =>
        {
            _marking = false;
            Written(e.LastId);
            Delete(seq, lastId);
        });
        return true;
    }

    private void Delete(long seq, long lastId)
    {
        _deletes.Enqueue((seq, lastId));
        DeleteMessages(seq);
    }

    private void Deleted(DeleteMessagesSuccess m)
    {
        while (_deletes.TryPeek(out var d) && d.Seq <= m.ToSequenceNr)
        {
            _deletes.Dequeue();
            _deletedTo = Math.Max(_deletedTo, d.LastId);
        }
    }

    // Let go: what retention trimmed leaves the file first (a conversation may not be used again for a long time, and
    // an expired message must not stay on disk until then), then the actor stops.
    private void LetGo()
    {
        Trim();
        // Waits for the delete it asks for now, or for the one an IdsReached still being written will ask for.
        if (!_marking && (FirstId - 1 <= Math.Max(_deletedTo, _deleting) || !DeleteTrimmed()))
        {
            Context.Stop(Self);
            return;
        }
        Become(() =>
        {
            Command<DeleteMessagesSuccess>(m =>
            {
                Deleted(m);
                if (!_marking && _deletes.Count == 0) Context.Stop(Self);
            });
            Command<DeleteMessagesFailure>(m =>
            {
                _log.Warning("conversation {0}: trimming the store to {1} failed: {2}", _conversation, m.ToSequenceNr, m.Cause.Message);
                Context.Stop(Self);
            });
            CommandAny(_ => Stash.Stash()); // nothing new reaches a conversation being let go; this is a safeguard
        });
    }

    // Every row of the room leaves the file, the flagged one of its highest id too (asked of the journal directly: Akka's
    // DeleteMessages reads long.MaxValue as the highest id, which the journal keeps; SqliteJournal reads it as all), so
    // a forgotten room leaves nothing behind and its ids start again from 1; then the actor stops, and what came for it
    // meanwhile goes to its successor, read back empty.
    private void Forget()
    {
        Journal.Tell(new DeleteMessagesTo(PersistenceId, long.MaxValue, Self));
        Become(() =>
        {
            Command<DeleteMessagesSuccess>(m => m.ToSequenceNr == long.MaxValue, _ => Context.Stop(Self));
            Command<DeleteMessagesFailure>(m => m.ToSequenceNr == long.MaxValue, m =>
            {
                _log.Warning("conversation {0}: dropping its history from the store failed: {1}", _conversation, m.Cause.Message);
                Context.Stop(Self);
            });
            Command<DeleteMessagesSuccess>(Deleted);
            Command<DeleteMessagesFailure>(_ => { });
            CommandAny(_ => Stash.Stash()); // nothing new reaches a conversation being forgotten; this is a safeguard
        });
    }

    private static long Size(MessagePosted m) => KeptLines.Size(m.From, m.Text.Length);

    // A rejected event took a sequence number the journal never wrote: the actor stops (everyone waiting hears 503) and is
    // read afresh by the next message, so ids stay gap-free.
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "conversation {0}: the journal rejected message {1}", _conversation, sequenceNr);
        _metrics?.DataStoreWriteFailed(DataStoreErrors.OneLine(cause));
        FailWaiting(cause);
        Context.Stop(Self);
    }

    // A full disk is said as such: it is what the operator must fix, and what a reserve on the same disk says.
    private void FailWaiting(Exception cause)
    {
        Stopping();
        _pending.Clear();
        var text = DataStoreErrors.IsDiskFull(cause) ? HistoryText.StoreFull : HistoryText.Unavailable;
        while (_writing.TryDequeue(out var w)) w.ReplyTo.Tell(new HistoryFailed(w.Ticket, Codes.Unavailable, text));
    }

    // A failed write stops the actor (Akka's rule); everyone still waiting hears 503, and the next message recovers a
    // fresh one from the journal. The base method only logs it again, with its stack: not called (one line a failure).
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        DataStoreErrors.Log(_log, cause, $"conversation {_conversation}: the journal could not write message {sequenceNr}", Context.System);
        _metrics?.DataStoreWriteFailed(DataStoreErrors.OneLine(cause));
        FailWaiting(cause);
    }

    private void Stopping() => _routes.Supervisor?.Tell(new ChildStopping(Self));

    // The actor stops after this (Akka's rule); the base method would only log it a second time, with its stack.
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        DataStoreErrors.Log(_log, reason, $"conversation {_conversation}: could not be read from the store", Context.System);
        _metrics?.DataStoreReadFailed(DataStoreErrors.OneLine(reason));
        ReadFailed();
        Stopping();
    }
}
