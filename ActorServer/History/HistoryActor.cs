using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.History;

/// <summary>
/// The node's history (<c>/user/history</c>, single-host mode with its data store): one <see cref="ConversationActor"/>
/// per conversation and one <see cref="InboxActor"/> per reserved name, started on first use and let go when idle or
/// past max-live (they stay in the store). Everything for them passes here, so each persistence id has one actor, this
/// node's, as its one writer; a child that is stopping gets nothing new: what comes for it waits here and goes to its
/// successor once it has stopped (as cluster sharding's passivation does).
/// <para><b>One keeper per data directory.</b> Nodes sharing a segment share its store; only the node holding the
/// directory's <see cref="HistoryKeeperLock"/> keeps history. The others stay dormant: what they would keep goes out
/// unkept, queries are answered 503 with where the history is, and they try the lock every keeper-retry, so one of them
/// takes over (reading everything back from the store) when the keeper stops or dies.</para>
/// <para><b>Rooms held.</b> Retention bounds each conversation; the <see cref="ConversationLedger"/> bounds how many rooms' history
/// the store holds (<c>kept-rooms</c>), whatever peers do: every room message passes here, and one to a room not held,
/// past the bound, has another room's history dropped whole (<see cref="ForgetRoom"/>). Read from the file as this node
/// starts keeping (<c>heldRooms</c>); without it (a spec's journal) the ledger starts empty. A second ledger bounds the
/// direct conversations with a guest party the same way (<c>kept-guest-conversations</c>, <c>heldDirect</c>).</para>
/// </summary>
public sealed class HistoryActor : ReceiveActor, IWithTimers
{
    private readonly HistorySettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Child> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _byRef = [];
    // Children started and not yet read back from the store, and those waiting to start (ReadBacks).
    private readonly HashSet<IActorRef> _reading = [];
    private readonly ReadBacks _waitingToStart = new();
    // What each host's clients may have read back (read-backs-per-host-*), and the hosts refused since last logged.
    private readonly HostBudget _readBacks;
    private readonly HashSet<string> _refusing = new(StringComparer.Ordinal);
    private readonly Func<bool> _keep;
    private readonly DataFileGuard? _file;
    private readonly SwitchboardMetrics? _metrics;
    private readonly ReservedNames? _reserved;
    private DataFileProblem? _fileProblem;
    private long _incarnations;
    private bool _keeping;
    private readonly Func<string?> _keeper;
    private readonly Func<int, IReadOnlyList<string>>? _heldRooms;
    private readonly ConversationLedger _ledger;
    private readonly ConversationLedger _guestDirect;
    private readonly Func<IReadOnlyList<string>>? _heldDirect;
    private readonly ReservedPairs _reservedPairs = new();

    /// <param name="keep">Takes (or confirms) the keeper lock; true while this node keeps the history.</param>
    /// <param name="file">The data file's guard: writes are refused (503) while it is gone or replaced, since SQLite would
    /// go on writing to the file it opened and the next start would not see them.</param>
    /// <param name="reserved">Which names are reserved: an inbox holds guests' messages only up to their share.</param>
    /// <param name="keeper">The keeping node's client-facing address, when known: named in a dormant node's 503.</param>
    /// <param name="heldRooms">The rooms the store holds history of, oldest first, once it holds at most the number given
    /// (<see cref="DataStore.HeldRooms"/>).</param>
    /// <param name="heldDirect">The direct conversations the store holds history of, oldest first (<see cref="DataStore.HeldDirect"/>).</param>
    public HistoryActor(HistorySettings settings, TimeProvider clock, Func<bool>? keep = null, DataFileGuard? file = null,
        SwitchboardMetrics? metrics = null, ReservedNames? reserved = null, Func<string?>? keeper = null,
        Func<int, IReadOnlyList<string>>? heldRooms = null, Func<IReadOnlyList<string>>? heldDirect = null)
    {
        _heldRooms = heldRooms;
        _heldDirect = heldDirect;
        _ledger = new ConversationLedger(settings.KeptRooms);
        _guestDirect = new ConversationLedger(settings.KeptGuestConversations);
        _keeper = keeper ?? (() => null);
        _reserved = reserved;
        _settings = settings;
        _clock = clock;
        _readBacks = new HostBudget(settings.ReadBacksPerHostPerSecond * 3600, settings.ReadBacksPerHostBurst, clock);
        _file = file;
        _metrics = metrics;
        _keep = keep ?? (() => true);
        _keeping = _keep();
        if (_keeping) Keeping();
        else Dormant();
    }

    private void Keeping()
    {
        ReadHeld();
        Receive<Post>(m => Writable(m.Ticket), m =>
        {
            // One refused for its host's read-backs is not kept: no conversation written, none dropped for it.
            if (!RoutedToConversation(m.Conversation, m)) return;
            if (m.Conversation.IsRoom)
            {
                if (_ledger.Written(m.Conversation.Key, _reserved?.IsReserved(m.From) == true, m.From) is { } dropped) DropRoom(dropped);
            }
            else if (!WithGuest(m.Conversation, m.From))
            {
                _guestDirect.Forget(m.Conversation.Key);
                if (_reserved is not null) _reservedPairs.Add(m.Conversation);
            }
            else if (_guestDirect.Written(m.Conversation.Key, reserved: false) is { } dropped) DropDirect(dropped);
        });
        Receive<ReadHistory>(m => ToConversation(m.Conversation, m));
        Receive<Fetch>(m => ToConversation(m.Conversation, m));
        Receive<MarkReadUpTo>(m => Writable(m.Ticket), m => ToConversation(m.Conversation, m));
        Receive<MarkChecked>(m => ToInbox(m.Mark.Owner, m));
        Receive<Hold>(m => Writable(m.Ticket), m => ToInbox(m.Owner, m));
        Receive<CollectAway>(m => ToInbox(m.Owner, m));
        Receive<AwayDelivered>(m => ToInbox(m.Owner, m));
        Receive<ReadMarkers>(m => ToInbox(m.Owner, m));
        Receive<ForgetMarker>(m => ToInbox(m.Owner, m));
        Receive<ReservationChanged>(m =>
        {
            ToInbox(m.Name, new ClearInbox(m.Name));
            if (_reserved?.IsReserved(m.Name) == false) CountReleased(m.Name);
        });
        Receive<ChildStopping>(m =>
        {
            if (_byRef.TryGetValue(m.Child, out var id) && _children[id].Actor.Equals(m.Child)) _children[id].Failed = true;
        });
        Receive<ChildReadBack>(m =>
        {
            if (_reading.Remove(m.Child)) StartWaiting();
        });
        Receive<Terminated>(t => OnStopped(t.ActorRef));
        Receive<IdleCheck>(_ =>
        {
            LetIdleGo();
            _refusing.Clear();
        });
        // What the guard refused: its sender hears 503 here.
        Receive<Post>(m => Refuse(m.Ticket));
        Receive<MarkReadUpTo>(m => Refuse(m.Ticket));
        Receive<Hold>(m => Refuse(m.Ticket));
    }

    // Once, as this node starts keeping: what the file holds counts (and what is past the bound leaves it now).
    private void ReadHeld()
    {
        if (_heldRooms is not null)
            ReadHeld(("room", "rooms"), () => _heldRooms(_settings.KeptRooms), _ledger, reserved: true, DropRoom, _settings.KeptRooms, "kept-rooms");
        if (_heldDirect is not null)
            ReadHeld(("direct conversation with a guest", "direct conversations with a guest"), HeldWithGuest, _guestDirect,
                reserved: false, DropDirect, _settings.KeptGuestConversations, "kept-guest-conversations");
    }

    // The direct conversations the file holds with a guest party; those between two reserved names are listed apart.
    private List<string> HeldWithGuest()
    {
        var withGuest = new List<string>();
        foreach (var key in _heldDirect!())
        {
            var c = new Conversation(key);
            if (WithGuest(c)) withGuest.Add(key);
            else if (_reserved is not null) _reservedPairs.Add(c);
        }
        return withGuest;
    }

    // A released name's conversations with reserved names have a guest party now: kept-guest-conversations counts them
    // from now on, as written before every other (those past the bound go at once).
    private void CountReleased(string name)
    {
        foreach (var key in _reservedPairs.Released(name))
            if (_guestDirect.Entered(key) is { } dropped) DropDirect(dropped);
    }

    private void ReadHeld((string One, string Many) what, Func<IReadOnlyList<string>> read, ConversationLedger ledger, bool reserved, Action<string> drop, int bound,
        string setting)
    {
        try
        {
            var held = read();
            foreach (var key in ledger.Seed(held, reserved)) drop(key);
            _log.Info("history: the store holds the history of {0} {1} (at most {2}, switchboard.history.{3})", held.Count, held.Count == 1 ? what.One : what.Many, bound, setting);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            // Those written from now on are still bounded; those already in the file are not counted until then.
            _log.Error("history: could not read which {0} the store holds history of: {1}", what, DataStoreErrors.OneLine(ex));
        }
    }

    // The room's history goes: its conversation (started for this alone when not in memory: nothing read back) deletes
    // every row of it after its pending writes and stops; what comes for the room meanwhile waits for its successor.
    private void DropRoom(string room)
    {
        _log.Info("history: {0}'s history is dropped: the store holds the history of at most {1} rooms (switchboard.history.kept-rooms), and it was written least recently",
            room, _settings.KeptRooms);
        _metrics?.RoomHistoryDropped();
        Forget(Conversation.Room(room));
    }

    // A direct conversation with a guest, the same way (ForgetRoom deletes any conversation's rows).
    private void DropDirect(string key)
    {
        _log.Info("history: the direct conversation {0} is dropped: the store holds at most {1} with a guest (switchboard.history.kept-guest-conversations), and it was written least recently",
            key, _settings.KeptGuestConversations);
        Forget(new Conversation(key));
    }

    // Whether a direct conversation has a party that is not reserved now (none is known without the reserved names). The
    // writer, when known, is asked first: a guest's DM needs no party read out of the key.
    private bool WithGuest(Conversation c, string? writer = null)
    {
        if (_reserved is null) return false;
        if (writer is not null && !_reserved.IsReserved(writer)) return true;
        var (a, b) = c.Parties;
        return a is null || b is null || !_reserved.IsReserved(a) || !_reserved.IsReserved(b);
    }

    private void Forget(Conversation c)
    {
        var child = ChildFor(c.PersistenceId, ConversationProps(c), () => ConversationActor.Props(c, _settings, _clock, HistoryRoutes.Via(Self), _metrics, forgetting: true, _reserved?.Times));
        if (child.Stopping)
        {
            child.Waiting.Add((ForgetRoom.Instance, Self));
            return;
        }
        child.Actor.Tell(ForgetRoom.Instance);
        child.LetGo = true;
    }

    // Asked before every write (the guard checks again only what changed); the change of state is logged once each way.
    private bool Writable(long ticket)
    {
        var problem = _file?.Problem();
        if (problem != _fileProblem)
        {
            if (problem is null) _log.Info("history: the data file is back; messages are kept again");
            else if (problem.Fix is { } fix) _log.Error("{0}: kept messages are answered 503: {1}", problem.Text, fix);
            else _log.Error("{0}: kept messages are answered 503 until it is back: put the same file back (no restart needed), or restore a backup with the node stopped", problem.Text);
            _fileProblem = problem;
        }
        return problem is null;
    }

    private void Refuse(long ticket)
    {
        _metrics?.DataStoreWriteFailed(_fileProblem?.Text ?? "the data file is out of reach");
        Sender.Tell(new HistoryFailed(ticket, Codes.Unavailable, HistoryText.Unavailable));
    }

    private void Dormant()
    {
        Receive<Post>(m => Sender.Tell(new NotKept(m.Ticket)));
        Receive<Hold>(m => Sender.Tell(new HistoryFailed(m.Ticket, Codes.NotOnline, HistoryText.NotOnlineNotKept(m.Owner))));
        Receive<ReadHistory>(m => Sender.Tell(new HistoryFailed(m.Ticket, Codes.Unavailable, HistoryText.KeptBy(_keeper()))));
        Receive<MarkReadUpTo>(m => Sender.Tell(new HistoryFailed(m.Ticket, Codes.Unavailable, HistoryText.KeptBy(_keeper()))));
        Receive<CollectAway>(m => Sender.Tell(new AwayReport([], [], 0, Ticket: m.Ticket)));
        Receive<ReadMarkers>(m => Sender.Tell(new MarkersRead(m.Ticket, [])));
        Receive<IdleCheck>(_ => { });
        Receive<ReservationChanged>(_ => { }); // the keeper's account actors tell it (on its node)
        Receive<KeeperRetry>(_ =>
        {
            if (!_keep()) return;
            _log.Info("history: this node keeps the history of its data directory now");
            _keeping = true;
            Timers.Cancel("keeper");
            Become(Keeping);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HistorySettings settings, TimeProvider clock, Func<bool>? keep = null, DataFileGuard? file = null,
        SwitchboardMetrics? metrics = null, ReservedNames? reserved = null, Func<string?>? keeper = null,
        Func<int, IReadOnlyList<string>>? heldRooms = null, Func<IReadOnlyList<string>>? heldDirect = null) =>
        Akka.Actor.Props.Create(() => new HistoryActor(settings, clock, keep, file, metrics, reserved, keeper, heldRooms, heldDirect));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe<ReservationChanged>(Self);
        Timers.StartPeriodicTimer("idle", IdleCheck.Instance, _settings.IdleAfter / 2);
        if (_keeping)
        {
            _log.Info("history: this node keeps the history of its data directory");
            return;
        }
        _log.Info("history: another node sharing this data directory keeps the history; this one takes it over if that one stops");
        Timers.StartPeriodicTimer("keeper", KeeperRetry.Instance, _settings.KeeperRetry);
    }

    // A child that fails is stopped; what it had not answered times out in its session (503), and the next message for
    // it recovers a fresh one from the journal.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    // Every kept message comes this way: the props (a closure) are made only for a conversation not running. (Void: a
    // handler returning bool would be taken by Akka's Receive for "handled or not".)
    private void ToConversation(Conversation c, object m) => RoutedToConversation(c, m);

    // False when refused (its host's read-backs spent).
    private bool RoutedToConversation(Conversation c, object m)
    {
        var id = c.PersistenceId;
        return Route(id, _children.TryGetValue(id, out var running) ? running.Props : ConversationProps(c), m);
    }

    private Func<Props> ConversationProps(Conversation c) => () => ConversationActor.Props(c, _settings, _clock, HistoryRoutes.Via(Self), _metrics, times: _reserved?.Times);

    private void ToInbox(string owner, object m) =>
        Route(InboxActor.PersistenceIdOf(owner), () => InboxActor.Props(owner, _settings, HistoryRoutes.Via(Self), _metrics, _reserved), m);

    // A conversation or inbox not in memory is read back whole from the store (up to max-bytes of text: milliseconds of a
    // core and its size in memory). Sessions bound their own waiting reads, not the node's: guest names of one peer
    // joining and leaving more full rooms than max-live made every join a read-back, and 64 of them had another
    // client's room messages wait seconds (a hostile tester's finding). So at most max-reading are read back at once;
    // the others wait their turn, one requester's at a time, so a client asking for one waits behind one of each other
    // requester's, never behind all of a flood's. What comes for one waiting goes with it, in order.
    // That still let a flood keep the one read-back going all the time, so each host's clients have a budget of them
    // too (ReadBackRefused); a host's names are one requester in the turns.
    private bool Route(string id, Func<Props> props, object message)
    {
        if (_waitingToStart.Add(id, message, Sender)) return true;
        // An inbox gathering for its owner's login (one of these children) asks up to every conversation it holds
        // messages from at once: as one requester among a flood's it would wait a turn for each and miss the store's
        // timeout, so it does not wait (logins are few: a name's are rate-limited).
        if (!_children.ContainsKey(id) && !_byRef.ContainsKey(Sender))
        {
            var (host, ticket) = ChargedTo(message);
            if (host is not null && ReadBackRefused(host, ticket, message)) return false;
            if (_reading.Count >= _settings.MaxReading)
            {
                _waitingToStart.Wait(id, props, message, Sender, (object?)host ?? Sender);
                return true;
            }
        }
        Deliver(ChildFor(id, props), message, Sender);
        return true;
    }

    // The host a client's request is charged to, as its session stamped it from the transport (never the client's
    // word): a join's replay, a query, a read marker, a kept message, an unread count. Others (an inbox's, a spec's, a
    // held DM's, which follows a kept message already charged) are charged nothing.
    // With the request's ticket, which a refusal answers.
    private static (string? Host, long Ticket) ChargedTo(object message) => message switch
    {
        ReadHistory m => (m.Host, m.Ticket),
        Post m => (m.Host, m.Ticket),
        MarkReadUpTo m => (m.Host, m.Ticket),
        Fetch m => (m.Host, m.Ticket),
        _ => (null, 0),
    };

    // Past its host's budget a read-back is refused (429 with when the next one is allowed): nothing is started, and no
    // conversation in memory is let go for it. Guest names cost nothing and a peer may hold many, so a budget per name
    // or per session would bound nothing. The first refusal of a host is logged (again after each idle check).
    private bool ReadBackRefused(string host, long ticket, object message)
    {
        if (_readBacks.CanTake(host))
        {
            _readBacks.Take(host);
            return false;
        }
        var wait = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(_readBacks.Until(host).TotalMilliseconds - 1e-6)));
        if (_refusing.Add(host))
            _log.Warning("history: {0} asked for more conversations not in memory than it may have read back from the store " +
                "({1}/s, bursts of {2}: switchboard.history.read-backs-per-host-*); its requests that need one are answered 429",
                LogText.Clean(host), _settings.ReadBacksPerHostPerSecond, _settings.ReadBacksPerHostBurst);
        Sender.Tell(message switch
        {
            // An unread count: its list goes out without it (the client's `rooms` or `who` is not refused for it).
            Fetch m => new NotCounted(m.Ticket, m.Conversation),
            _ => new HistoryFailed(ticket, Codes.RateLimited, HistoryText.TooManyReadBacks(_settings.ReadBacksPerHostPerSecond, _settings.ReadBacksPerHostBurst), wait),
        });
        return true;
    }

    private void StartWaiting()
    {
        while (_reading.Count < _settings.MaxReading && _waitingToStart.Next() is { } next)
        {
            var child = ChildFor(next.Id, next.Props);
            foreach (var (message, sender) in next.Messages) Deliver(child, message, sender);
        }
    }

    private static void Deliver(Child child, object message, IActorRef sender)
    {
        if (child.Stopping) child.Waiting.Add((message, sender));
        else child.Actor.Tell(message, sender);
    }

    /// <param name="spawn">What a new one is started with, when not <paramref name="props"/> (its successors' props).</param>
    private Child ChildFor(string id, Func<Props> props, Func<Props>? spawn = null)
    {
        if (!_children.TryGetValue(id, out var child))
        {
            if (_children.Count(c => !c.Value.Stopping) >= _settings.MaxLive) LetGo(LeastRecentlyUsed());
            var actor = Context.ActorOf((spawn ?? props)(), $"{Uri.EscapeDataString(id)}-{++_incarnations}");
            Context.Watch(actor);
            _reading.Add(actor);
            _children[id] = child = new Child(actor, props);
            _byRef[actor] = id;
        }
        child.LastUsed = _clock.GetUtcNow();
        return child;
    }

    private string LeastRecentlyUsed() =>
        _children.Where(c => !c.Value.Stopping).MinBy(c => c.Value.LastUsed).Key;

    private void LetIdleGo()
    {
        var idleSince = _clock.GetUtcNow() - _settings.IdleAfter;
        foreach (var id in _children.Where(c => !c.Value.Stopping && c.Value.LastUsed < idleSince).Select(c => c.Key).ToList()) LetGo(id);
    }

    private void LetGo(string id)
    {
        var child = _children[id];
        child.LetGo = true;
        child.Actor.Tell(StopChild.Instance);
    }

    // A child that stopped while read back frees its place for the next waiting, once it is gone from the children.
    private void OnStopped(IActorRef actor)
    {
        var wasReading = _reading.Remove(actor);
        Stopped(actor);
        if (wasReading) StartWaiting();
    }

    private void Stopped(IActorRef actor)
    {
        if (!_byRef.Remove(actor, out var id) || !_children.Remove(id, out var child)) return;
        if (!child.LetGo) _log.Warning("history: {0} stopped after a failure; it is read afresh from the store when next used", id);
        // What came for it while it stopped goes to its successor, in order, from the same senders; up to a ForgetRoom,
        // after which the successor stops too, and the rest waits for the one after it.
        if (child.Waiting.Count == 0) return;
        var next = ChildFor(id, child.Props);
        for (var i = 0; i < child.Waiting.Count; i++)
        {
            var (message, sender) = child.Waiting[i];
            next.Actor.Tell(message, sender);
            if (message is not ForgetRoom) continue;
            next.LetGo = true;
            next.Waiting.AddRange(child.Waiting.Skip(i + 1));
            return;
        }
    }

    private sealed record KeeperRetry
    {
        public static readonly KeeperRetry Instance = new();
    }

    private sealed record IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    private sealed class Child(IActorRef actor, Func<Props> props)
    {
        public IActorRef Actor { get; } = actor;
        public Func<Props> Props { get; } = props;
        /// <summary>Let go, or failing: it gets nothing new.</summary>
        public bool Stopping => LetGo || Failed;

        public bool LetGo { get; set; }

        public bool Failed { get; set; }
        public DateTimeOffset LastUsed { get; set; }
        public List<(object Message, IActorRef Sender)> Waiting { get; } = [];
    }
}
