using Akka.Actor;
using Dropped = Switchboard.Messages.Dropped;

namespace Switchboard.Server.Sessions;

/// <summary>
/// A session's chat, both ways, run on its <see cref="SessionActor"/>'s thread (called only from its handlers): what
/// the client sends (direct messages, room and broadcast messages, joins and leaves, presence notices on or off) is
/// checked and routed, and its outcome answered once; what reaches the client (messages, presence, drop notices) is
/// pushed within a bound on what it has not acknowledged yet, past which new ones are dropped. The session's timers
/// are read at use: Akka sets them after the session's constructor, which builds this.
/// </summary>
internal sealed class SessionChat(string name, ClaimHandle claim, IActorRef self, IWithTimers timers, ITimeProvider clock,
    SessionServices services, SessionReplies replies, SessionFigures? figures, string? host = null)
{
    private readonly IActorRef _registry = services.Registry;
    private readonly IActorRef _roomsActor = services.Rooms;
    private readonly LocalSessions _local = services.Local;
    private readonly IRemoteDelivery? _remote = services.Remote;
    private readonly NodeQueues? _nodeLinks = services.NodeLinks;
    private readonly SessionSettings _settings = services.Settings;
    private readonly SwitchboardMetrics? _metrics = services.Metrics;
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    // DMs and room messages not answered yet: what their answer needs (kept ones wait for the store first).
    private readonly Dictionary<long, Outgoing> _outgoing = [];
    // Asks of a silent inbox, history.timeout (5 s) apart: a minute, past a cluster's deciding a node is lost (~11 s:
    // heartbeats 5 s, stable-after 5 s, the removal margin) and moving its shards. Bounded by the session's outgoing
    // DMs, which its request budget bounds.
    internal const int MaxHoldsAsked = 12;
    // Each waits until its Due (clock milliseconds), checked every _sweepEvery by one timer while any waits. A timer per
    // message cost every DM ~0.4 KB kept for its whole wait: Akka's scheduler holds a cancelled timer until its deadline
    // comes round (5 s), so each was promoted to the heap's oldest generation and collected there.
    private readonly TimeSpan _sweepEvery = SweepInterval(services.Settings.DeliveryTimeout, services.History?.Settings.Timeout);
    private readonly HistoryDesk? _history = services.History;
    private SessionHistory? _kept;
    private SessionUnread? _unread;
    private bool _presence = true;
    private ISessionInbox? _inbox;
    private long _pushed, _acked;

    /// <summary>The chat's handlers, in its session: what the client sends passes the session's checks first. A new
    /// chat command answered with a reply is one <c>inbox.Verb("name", Handler)</c> line here and its handler below (the
    /// client sends it as a <see cref="ChatCommand"/>: no wire type of its own).</summary>
    public void Listen(ISessionInbox inbox)
    {
        _inbox = inbox;
        inbox.FromClient<Who>(m => m.Id, Who);
        inbox.FromClient<Tell>(m => m.Id, Tell);
        inbox.FromClient<Say>(m => m.Id, Say);
        inbox.FromClient<JoinRoom>(m => m.Id, Join);
        inbox.FromClient<LeaveRoom>(m => m.Id, Leave);
        inbox.FromClient<ListRooms>(m => m.Id, ListRooms);
        inbox.FromClient<SetPresence>(m => m.Id, SetPresence);
        inbox.Receive<RouteResult>(Routed);
        inbox.FromNode<Delivered>(Delivered);
        inbox.Receive<SweepTick>(_ => Sweep());
        // Only from this node (Handed cannot come from a peer): a client's own Deliver or Fanout is not taken.
        inbox.Receive<Handed>(h =>
        {
            if (h.Message is Deliver d) Deliver(d);
            else if (h.Message is Fanout f) Fanout(f);
        });
        inbox.FromNode<FanoutDropped>(FanoutDropped);
        inbox.Receive<RoomJoined>(Joined);
        inbox.Receive<RoomRefused>(Refused);
        inbox.Receive<RoomLeft>(Left);
        inbox.Receive<RoomsList>(RoomsListed);
        inbox.Receive<PresenceChanged>(Presence);
        inbox.Receive<Posted>(Posted);
        inbox.Receive<NotKept>(NotKept);
        inbox.Receive<HeldOk>(m =>
        {
            if (_outgoing.TryGetValue(m.Ticket, out var o))
                Finish(m.Ticket, new OpOutcome(Codes.Stored, OpValue.Of(o.NodeSilent ? HistoryText.StoredNodeSilent(o.To!) : HistoryText.Stored(o.To!)), null));
        });
        inbox.Receive<HistoryFailed>(m =>
        {
            // Delivered but not kept: the recipient has it, the sender hears both.
            // (Its host's read-backs spent: no "try again" there, the recipient has it.)
            if (_outgoing.TryGetValue(m.Ticket, out var o) && o.Delivered)
                Finish(m.Ticket, OpOutcome.Ok(OpValue.Of(HistoryText.DeliveredNotKept(m.Code == Codes.RateLimited ? HistoryText.ReadBacksSpent : m.Error))));
            else if (o is not null)
            {
                if (_outgoing.Remove(m.Ticket) && !o.Answered) AnswerFailed(m.Ticket, m);
            }
            else _kept?.Failed(m);
        });
        if (_history is not null)
        {
            (_kept = new SessionHistory(name, self, timers, _history, _rooms, this, host)).Listen(inbox);
            (_unread = new SessionUnread(name, self, timers, _history, _rooms, host)).Listen(inbox);
        }
        else
        {
            inbox.FromClient<HistoryQuery>(m => m.Id, m => Answer(m.Id, OpOutcome.NotSupported(HistoryText.NoStore)));
            inbox.Verb("markread", m => Answer(m.Id, OpOutcome.NotSupported(HistoryText.NoStore)));
        }
    }

    /// <summary>What <see cref="SessionHistory"/> pushes of what arrived while away (never dropped: bounded by max-held,
    /// and the inbox forgets them once the client acknowledged them), and live messages held during a replay.</summary>
    internal void PushIncoming(Incoming m) => Push(m);

    /// <summary>A line of a room's replay, within a bound of its own (<see cref="SessionSettings.MaxReplayed"/>): a
    /// client that joins and leaves in a loop without taking in what it is sent is not queued a replay each time
    /// (<c>history</c> still has them).</summary>
    internal void PushReplay(Incoming m)
    {
        if (_pushed - _acked < _settings.MaxReplayed) Push(m);
    }

    internal void PushAway(AwayNotice m) => Push(m);

    /// <summary>A history query's page, counted and sent like every reply. Counted here, as a query the client sent: the
    /// conversation reads a join's replay the same way, and an operator reads the metric as what users asked.</summary>
    internal void AnswerHistory(long id, string conversation, ChatLine[] lines, long trimmed, long lastId)
    {
        _metrics?.HistoryQueried();
        replies.History(id, conversation, lines, trimmed, lastId);
    }

    /// <summary>The client has been sent its <see cref="Registered"/>: pushes of the session's own now reach it after that.</summary>
    public void RegisteredSent() => _kept?.Start();

    /// <summary>Pushed events the client has not acknowledged yet.</summary>
    public long Unacked => _pushed - _acked;

    /// <summary>Events pushed to the client so far.</summary>
    internal long Pushed => _pushed;

    /// <summary>An outcome for the client, counted and sent like every reply.</summary>
    public void Answer(long id, OpOutcome outcome) => replies.Answer(id, outcome);

    /// <summary>The store's refusal of a request: one that waiting cures (its host's read-backs spent) says how long,
    /// as the session's own rate limit does, and the scripted client sends it again then.</summary>
    internal void AnswerFailed(long id, HistoryFailed m)
    {
        if (m.RetryAfter > TimeSpan.Zero) replies.RateLimited(id, m.Error, m.RetryAfter);
        else Answer(id, new OpOutcome(m.Code, OpValue.None, m.Error));
    }

    // ------------------------------------------------------------------ from the client

    private void SetPresence(SetPresence m)
    {
        _presence = m.On;
        Answer(m.Id, OpOutcome.Ok(OpValue.Of(m.On ? "presence notices on" : "presence notices off")));
    }

    private void ListRooms(ListRooms m) => _roomsActor.Tell(new RoomsQuery(m.Id, self));

    // Online everywhere; a reserved name's list carries its unread direct messages per person.
    // One who of this client at the registry at a time; those it sends meanwhile wait here for that one's list. Every who
    // had the node's one registry list and sort every online client, and a client may send 400 at once: 64 guest names
    // of one peer sending 300 each held everyone's broadcasts and registrations, which go through the registry too, for
    // up to 23 s. The registry answers every query (a list or WhoFailed), so the rate limit bounds what waits here.
    private readonly List<long> _whoWaiting = [];
    private long _whoAskedAt;

    private void Who(Who m)
    {
        _whoWaiting.Add(m.Id);
        // A query the registry lost (it failed while listing and resumed) would hold every later who for good: one sent
        // a delivery timeout after asking asks again, and its answer is everyone's. So at most the rate limit's worth of
        // one timeout waits here.
        if (_whoWaiting.Count > 1 && services.Clock.GetElapsedTime(_whoAskedAt) < _settings.DeliveryTimeout) return;
        _whoAskedAt = services.Clock.GetTimestamp();
        if (_unread?.Who(unread => _registry.Tell(new WhoQuery(m.Id, unread), self)) != true)
            _registry.Tell(new WhoQuery(m.Id), self);
    }

    /// <summary>The registry's list: the answer to every who of the client waiting for it.</summary>
    internal void WhoListed(PresenceEntry[] clients, int more)
    {
        foreach (var id in _whoWaiting) replies.Who(id, clients, more);
        _whoWaiting.Clear();
    }

    /// <summary>The registry could not list: every who waiting for it hears why.</summary>
    internal void WhoFailed(string error)
    {
        foreach (var id in _whoWaiting) Answer(id, new OpOutcome(Codes.Unavailable, OpValue.None, error));
        _whoWaiting.Clear();
    }

    private void Tell(Tell m)
    {
        if ((Limits.NameError(m.To) is { } nameError ? $"recipient: {nameError}" : ChatRules.TextError(m.Text)) is { } error)
        {
            Answer(m.Id, OpOutcome.Invalid(error));
            return;
        }
        if (_outgoing.ContainsKey(m.Id))
        {
            Answer(m.Id, OpOutcome.Invalid($"request {m.Id} is still being answered"));
            return;
        }
        // A DM to or from a reserved name is kept before it goes out (its id and time travel with it).
        // A DM to a reserved name is kept before it goes out (it may wait in their inbox; its id and time travel with
        // it). One from a reserved name to a guest goes out first and is kept once delivered: a guest who is not
        // online gets nothing, and the sender's history holds nothing that was not delivered.
        var conversation = Conversation.Direct(name, m.To);
        var keepFirst = _history is not null && _history.Reserved.IsReserved(m.To);
        var keepAfter = !keepFirst && _history is not null && _history.Reserved.IsReserved(name);
        Arm(m.Id, new Outgoing(m.To, null, m.Text, keepFirst ? conversation : null, KeepAfter: keepAfter ? conversation : null), Wait(keepFirst || keepAfter));
        if (keepFirst) _history!.Actor.Tell(new Post(conversation, m.Id, name, m.Text, host), self);
        else Route(m.Id, m.To, m.Text);
    }

    // A client of this node gets it from this session directly, and one another node is known to serve from that node's
    // inbox; the registry finds anyone else, or says they are not online.
    private void Route(long id, string to, string text, long msgId = 0, long timeMs = 0)
    {
        if (_local.TryGet(to, out var session)) session.Tell(new Handed(new Deliver(id, name, to, text, self, msgId, timeMs)), self);
        else if (_remote?.TrySend(self, id, name, to, text, msgId, timeMs) != true) _registry.Tell(new RouteTell(id, name, to, text, self, msgId, timeMs));
    }

    // Another node keeps the history: the message goes out as a guest's would.
    private void NotKept(NotKept m)
    {
        if (!_outgoing.TryGetValue(m.Ticket, out var o)) return;
        if (o.Delivered)
        {
            Finish(m.Ticket, OpOutcome.Ok(OpValue.Of("delivered")));
            return;
        }
        _outgoing[m.Ticket] = o with { Conversation = null, Unkept = true };
        if (o.To is not null) Route(m.Ticket, o.To, o.Text);
        else _registry.Tell(new RouteFanout(m.Ticket, name, o.Room, o.Text, self));
    }

    private TimeSpan Wait(bool kept) => kept ? _settings.DeliveryTimeout + _history!.Settings.Timeout : _settings.DeliveryTimeout;

    // The store has it: now it goes out, stamped.
    private void Posted(Posted m)
    {
        if (!_outgoing.TryGetValue(m.Ticket, out var o)) return; // answered already (timed out)
        if (o.Delivered)
        {
            Finish(m.Ticket, OpOutcome.Ok(OpValue.Of("delivered")));
            return;
        }
        // Kept late, after the sender heard 503: it goes out with the usual wait for its recipient, not what is left of
        // the wait for the store.
        if (o.Answered) Arm(m.Ticket, o with { MsgId = m.MsgId }, Wait(kept: false));
        else _outgoing[m.Ticket] = o with { MsgId = m.MsgId };
        if (o.To is not null) Route(m.Ticket, o.To, o.Text, m.MsgId, m.TimeMs);
        else _registry.Tell(new RouteFanout(m.Ticket, name, o.Room, o.Text, self, m.MsgId, m.TimeMs));
    }

    private void Say(Say m)
    {
        var room = m.Room is null ? null : ChatRules.NormalizeRoom(m.Room);
        var error = m.Room is not null && room is null ? "bad room name"
            : room is not null && !_rooms.Contains(room) ? $"join {room} first"
            : ChatRules.TextError(m.Text);
        if (error is not null)
        {
            Answer(m.Id, OpOutcome.Invalid(error));
            return;
        }
        // An id still on its way (or kept after its 503) is not reused: its answers would be taken for this one's.
        if (_outgoing.ContainsKey(m.Id))
        {
            Answer(m.Id, OpOutcome.Invalid($"request {m.Id} is still being answered"));
            return;
        }
        // It goes to every node: refused, before it is kept or sent anywhere, while one of their links is full.
        if (_nodeLinks?.AnyFull() is { } full)
        {
            Answer(m.Id, new OpOutcome(Codes.Unavailable, OpValue.None, RegistryText.NodeFull(full)));
            return;
        }
        if (room is null || _history is null)
        {
            _registry.Tell(new RouteFanout(m.Id, name, room, m.Text, self));
            return;
        }
        // A room message is kept before it goes out.
        Arm(m.Id, new Outgoing(null, room, m.Text, Conversation.Room(room)), _history.Settings.Timeout);
        _history.Actor.Tell(new Post(Conversation.Room(room), m.Id, name, m.Text, host), self);
    }

    private void Join(JoinRoom m)
    {
        if (ChatRules.NormalizeRoom(m.Room) is not { } room)
        {
            Answer(m.Id, OpOutcome.Invalid("room names are 1-32 of A-Z a-z 0-9 _ . - (with or without #)"));
            return;
        }
        _roomsActor.Tell(new JoinLocal(m.Id, room, self));
        HoldFor(m.Id);
    }

    // Until the rooms answer, the client's next commands wait: a script pipelining "join #r" and "say #r hi" (or "leave"
    // and "say") means them in that order, and membership is known here only once the answer is in.
    private void HoldFor(long id) => _inbox?.HoldClient(new RoomChange(id), _settings.DeliveryTimeout);

    private void Release(long id) => _inbox?.ReleaseClient(new RoomChange(id));

    private void Leave(LeaveRoom m)
    {
        if (ChatRules.NormalizeRoom(m.Room) is not { } room)
        {
            Answer(m.Id, OpOutcome.Invalid("bad room name"));
            return;
        }
        _roomsActor.Tell(new LeaveLocal(m.Id, room, self));
        HoldFor(m.Id);
    }

    /// <summary>The client has taken in <paramref name="received"/> pushed events in all.</summary>
    public void Acknowledge(long received)
    {
        var acked = Math.Max(_acked, Math.Min(received, _pushed));
        _metrics?.Acknowledged(acked - _acked);
        _acked = acked;
        figures?.SetUnacked(_pushed - _acked);
        _kept?.Acknowledged(acked);
        NoticeDrops();
    }

    // ------------------------------------------------------------------ outcomes from the registry and the rooms

    private void Joined(RoomJoined m)
    {
        _rooms.Add(m.Room);
        Release(m.Id);
        // With a store the replay comes from it (it survives restarts), and "joined" follows it.
        if (_kept is not null && !m.AlreadyMember)
        {
            _kept.Replay(m.Id, m.Room, m.History);
            return;
        }
        // History first, then the reply: the client sees the replay before "joined".
        foreach (var (from, text) in m.History) PushReplay(new Incoming(from, text, false, m.Room, true));
        Answer(m.Id, OpOutcome.Ok(OpValue.Of(m.AlreadyMember ? $"already in {m.Room}" : $"joined {m.Room}")));
    }

    private void Left(RoomLeft m)
    {
        _rooms.Remove(m.Room);
        Release(m.Id);
        // A reserved name's marker in a room it left would count that room's messages at every login (a retest's finding).
        if (m.WasMember && _history is not null && _history.Reserved.IsReserved(name))
            _history.Actor.Tell(new ForgetMarker(name, Conversation.Room(m.Room)), self);
        Answer(m.Id, m.WasMember ? OpOutcome.Ok(OpValue.Of($"left {m.Room}")) : OpOutcome.Invalid($"not in {m.Room}"));
    }

    private void Refused(RoomRefused m)
    {
        Release(m.Id);
        Answer(m.Id, new OpOutcome(m.Code, OpValue.None, m.Error));
    }

    // A reserved member's rooms carry their unread counts.
    private void RoomsListed(RoomsList m)
    {
        if (_unread?.Rooms(m.Rooms, rooms => replies.Rooms(m.Id, rooms)) != true)
            replies.Rooms(m.Id, m.Rooms);
    }

    private void Routed(RouteResult m)
    {
        if (_outgoing.TryGetValue(m.Id, out var o) && o.To is not null)
        {
            if (!HeldInstead(m.Id, m.Code)) Finish(m.Id, NotSent(o, m.Code, m.Error));
            return;
        }
        if (_outgoing.Remove(m.Id, out var sent) && sent.Answered) return; // kept after its 503: it went out, the sender was answered then
        if (m.Code != Codes.Ok) Answer(m.Id, new OpOutcome(m.Code, OpValue.None, m.Error));
        // A broadcast answers how many it went to; a room message, where it went (members are per node).
        else Answer(m.Id, OpOutcome.Ok(m.Room is null ? OpValue.Of(m.Recipients) : OpValue.Of($"sent to {m.Room}")));
    }

    // A kept DM to a reserved name without a session waits in its inbox ("stored", once the inbox has it): offline
    // (the registry says so), or being logged into (the name is claimed, the password still being checked, and the
    // node's gateway has no session for it yet).
    private bool HeldInstead(long id, int code) => code == Codes.NotOnline && Hold(id, nodeSilent: false);

    // Asks the recipient's inbox to hold a kept DM to a reserved name (false, nothing asked, for anything else).
    private bool Hold(long id, bool nodeSilent)
    {
        if (!_outgoing.TryGetValue(id, out var o) || o.To is null || o.Holding || o.Conversation is not { } c || !_history!.Reserved.IsReserved(o.To))
            return false;
        _outgoing[id] = o with { Holding = true, NodeSilent = nodeSilent };
        _history.Actor.Tell(new Hold(o.To, id, c, o.MsgId), self);
        return true;
    }

    private void AskHold(long id, Outgoing o)
    {
        _history!.Actor.Tell(new Hold(o.To!, id, o.Conversation!.Value, o.MsgId), self);
        Arm(id, o, _history.Settings.Timeout);
    }

    private void Delivered(Delivered m)
    {
        if (HeldInstead(m.Id, m.Code)) return;
        // Delivered to a guest from a reserved name: kept now, "delivered" once written.
        if (m.Code == Codes.Ok && _outgoing.TryGetValue(m.Id, out var o) && o.KeepAfter is { } conversation && !o.Delivered)
        {
            _outgoing[m.Id] = o with { Delivered = true };
            _history!.Actor.Tell(new Post(conversation, m.Id, name, o.Text, host), self);
            return;
        }
        Finish(m.Id, m.Code == Codes.Ok ? OpOutcome.Ok(OpValue.Of("delivered"))
            : _outgoing.TryGetValue(m.Id, out var sent) ? NotSent(sent, m.Code, m.Error) : new OpOutcome(m.Code, OpValue.None, m.Error));
    }

    // A DM to a reserved name that another node would have held (it keeps the history, this one sent it unkept): its
    // 404 says so, or the sender reads "not online" as the end of it, not as a reason to use the keeper.
    private static OpOutcome NotSent(Outgoing o, int code, string? error) =>
        new(code, OpValue.None, code == Codes.NotOnline && o.Unkept && o.To is not null ? HistoryText.NotOnlineNotKept(o.To) : error);

    // Waits until `wait` has passed for its answer (a wait already set is replaced).
    private void Arm(long id, Outgoing o, TimeSpan wait)
    {
        _outgoing[id] = o with { Due = Now + (long)wait.TotalMilliseconds };
        if (!timers.Timers.IsTimerActive(SweepTick.Instance))
            timers.Timers.StartPeriodicTimer(SweepTick.Instance, SweepTick.Instance, _sweepEvery);
    }

    private long Now => (long)clock.MonotonicClock.TotalMilliseconds;

    // At most an eighth of the shorter wait late (a quarter of a second at most): a wait ends between it and that much
    // more.
    private static TimeSpan SweepInterval(TimeSpan delivery, TimeSpan? store)
    {
        var shorter = store is { } s && s < delivery ? s : delivery;
        return TimeSpan.FromMilliseconds(Math.Clamp(shorter.TotalMilliseconds / 8, 10, 250));
    }

    private void Sweep()
    {
        if (_outgoing.Count == 0)
        {
            timers.Timers.Cancel(SweepTick.Instance);
            return;
        }
        var now = Now;
        List<long>? due = null;
        foreach (var (id, o) in _outgoing)
            if (o.Due <= now) (due ??= []).Add(id);
        foreach (var id in due ?? []) TimedOut(id);
    }

    // No answer in time: the store's (503) while a kept message waits for it, else the recipient node's.
    private void TimedOut(long id)
    {
        if (!_outgoing.TryGetValue(id, out var o)) return;
        if (o.Answered)
        {
            // Kept, and its recipient's inbox still silent: asked again, for as long as a cluster takes to move it off a
            // lost node, so that it is pushed at their next login after all.
            if (o.Holding && o.HoldsAsked < MaxHoldsAsked) AskHold(id, o with { HoldsAsked = o.HoldsAsked + 1 });
            else _outgoing.Remove(id); // the store never answered: nothing more comes of it
            return;
        }
        if (o.Conversation is not null && o.MsgId == 0 && !o.Delivered)
        {
            // The store was asked and has not answered: it may yet keep the message (a cluster's conversation moving
            // off a dead node takes longer than this). The sender hears so now; what the store does keep still goes
            // out (Posted), unanswered, so the history and what the recipients saw agree. Forgotten after as long as a
            // silent inbox is asked (a minute): one more wait (10 s) ended before a killed node's shard had moved
            // (~12 s), and the message was then in the history but never pushed to an offline recipient.
            Answer(id, new OpOutcome(Codes.Unavailable, OpValue.None, _history!.UnansweredPost()));
            Arm(id, o with { Answered = true }, _history!.Settings.Timeout * MaxHoldsAsked);
            return;
        }
        if (o.Delivered)
        {
            Finish(id, OpOutcome.Ok(OpValue.Of(HistoryText.DeliveredNotKept(_history!.UnansweredWhy()))));
            return;
        }
        // Kept, and the node serving its reserved recipient did not answer (it may have died with it undelivered): it
        // waits in their inbox like one for an offline recipient (at least once: had it reached them, it may come again
        // at their next login, with the same id).
        if (o.MsgId != 0 && Hold(id, nodeSilent: true))
        {
            Arm(id, _outgoing[id], _history!.Settings.Timeout);
            return;
        }
        // Kept, and the inbox asked to hold it did not answer: 503, but not "try again", which would keep it twice.
        // It is asked again meanwhile (above), as the inbox keeps a message once however often it is asked.
        if (o.MsgId != 0 && o.Holding && o.To is not null)
        {
            Answer(id, new OpOutcome(Codes.Unavailable, OpValue.None, HistoryText.KeptNotHeld(o.To)));
            AskHold(id, o with { Answered = true, HoldsAsked = 1, Text = "" }); // its text is in the conversation
            return;
        }
        // The store did not answer: keeping it, or holding it for an offline recipient (whose node is this one).
        Finish(id, o.Conversation is not null && (o.MsgId == 0 || o.To is null || o.Holding)
            ? new OpOutcome(Codes.Unavailable, OpValue.None, _history!.Unanswered())
            : new OpOutcome(Codes.NotOnline, OpValue.None, "the recipient's node did not answer"));
    }

    /// <summary>The session ends: its kept DMs to reserved names that no inbox holds yet (asked and silent, or not yet
    /// known to be kept) go to the node's <see cref="UnfinishedHoldsActor"/>, which asks for them as this would have.
    /// One already on its way to its recipient is not (it may have reached them).</summary>
    public void HandOver()
    {
        if (_history?.Unfinished is not { } unfinished) return;
        List<HoldLeft>? left = null;
        foreach (var (id, o) in _outgoing)
            if (o is { To: { } to, Conversation: { } c, Delivered: false } && (o.Holding || o.MsgId == 0) && _history.Reserved.IsReserved(to))
                (left ??= []).Add(new HoldLeft(id, to, c, o.MsgId));
        if (left is not null) unfinished.Tell(new HoldsLeft(self, left), self);
    }

    private void Finish(long id, OpOutcome outcome)
    {
        if (!_outgoing.Remove(id, out var o)) return; // already answered (timeout, or a late answer)
        if (!o.Answered) Answer(id, outcome);
    }

    // ------------------------------------------------------------------ to the client

    // A direct message for this client: accepted unless the client is not keeping up.
    private void Deliver(Deliver m)
    {
        if (Backlogged)
        {
            NodeAnswer.To(m.ReplyTo, new Delivered(m.Id, Codes.RateLimited, $"{name} is not keeping up; message dropped"), self);
            _metrics?.Dropped(direct: true, room: false);
            return;
        }
        Push(new Incoming(m.From, m.Text, true, null, false, m.MsgId, m.TimeMs));
        _metrics?.Delivered(direct: true, room: false);
        NodeAnswer.To(m.ReplyTo, new Delivered(m.Id, Codes.Ok, null), self);
    }

    private void Fanout(Fanout m)
    {
        if (m.From == name || (m.Room is not null && !_rooms.Contains(m.Room))) return;
        if (_kept is not null && _kept.Holds(m)) return; // its room's replay is on its way: it follows the replay
        if (Backlogged)
        {
            // Not onto a full node link: one broadcast makes a notice per stalled recipient, more than it carried itself.
            if (_nodeLinks?.Full(m.ReplyTo.Path.Address) != true)
                NodeAnswer.To(m.ReplyTo, new FanoutDropped(m.From, name, $"{name} is not keeping up; message dropped"), self);
            _metrics?.Dropped(direct: false, room: m.Room is not null);
            return;
        }
        Push(new Incoming(m.From, m.Text, false, m.Room, false, m.MsgId, m.TimeMs));
        _metrics?.Delivered(direct: false, room: m.Room is not null);
    }

    // The recipients that dropped this client's broadcasts. The first drop is told at once; those after it are gathered
    // until the client has taken that notice in, then told as one (a room of stalled members made each line said there
    // hundreds of pushes to the speaker, past its own bound: 1 GB of server memory in 10 s for a speaker that read
    // nothing). A notice that would pass the bound waits, still counting, for the client to catch up.
    private string? _dropTo, _dropReason;
    private int _dropOthers;
    private long _dropNoticeAt;

    private void FanoutDropped(FanoutDropped d)
    {
        if (_dropTo is null) (_dropTo, _dropReason) = (d.To, d.Reason);
        else _dropOthers++;
        NoticeDrops();
    }

    private void NoticeDrops()
    {
        if (_dropTo is null || _dropNoticeAt > _acked || Backlogged) return;
        Push(_dropOthers == 0 ? new Dropped(_dropTo, _dropReason!) : new Dropped(_dropTo, "they are not keeping up; message dropped", _dropOthers));
        _dropNoticeAt = _pushed;
        (_dropTo, _dropReason, _dropOthers) = (null, null, 0);
    }

    private void Presence(PresenceChanged m)
    {
        if (!_presence || Backlogged) return;
        if (PresenceBatcher.For(m, name, claim.Token) is { } batch) Push(batch);
    }

    /// <summary>Pushed events the client has not acknowledged yet: past the bound, new ones are dropped.</summary>
    private bool Backlogged => _pushed - _acked >= _settings.MaxUnacked;

    // Every pushed event counts; the client acknowledges how many it has taken in.
    private void Push(ISwitchboardMessage m)
    {
        replies.ToClient(m);
        _pushed++;
        _metrics?.Pushed();
        figures?.SetUnacked(_pushed - _acked);
    }

    /// <summary>Time to look for DMs and kept messages whose answer is overdue (the key of its timer too).</summary>
    private sealed record SweepTick
    {
        public static readonly SweepTick Instance = new();
    }

    /// <summary>A join or leave the rooms have not answered yet: what holds the client's next commands.</summary>
    private sealed record RoomChange(long Id);

    /// <summary>A DM (<paramref name="To"/>) or room message (<paramref name="Room"/>) on its way; a kept one has its
    /// <paramref name="Conversation"/> and, once stored, its <paramref name="MsgId"/>.</summary>
    /// <paramref name="KeepAfter"/>: a reserved sender's DM to a guest, kept once <paramref name="Delivered"/>.
    /// <paramref name="Answered"/>: the sender already heard 503 (the store did not answer in time); it goes out if kept.
    /// <param name="Holding">Kept, the recipient offline: its inbox was asked to hold it.</param>
    /// <param name="NodeSilent">Held because the recipient's node did not answer, not because the recipient is offline.</param>
    /// <param name="HoldsAsked">Times its inbox was asked to hold it after the sender heard 503 (<see cref="MaxHoldsAsked"/>).</param>
    /// <param name="Due">When its wait ends (<see cref="Now"/>'s milliseconds).</param>
    /// <param name="Unkept">Sent unkept because another node keeps the history (<see cref="NotKept"/>).</param>
    private sealed record Outgoing(string? To, string? Room, string Text, Conversation? Conversation, long MsgId = 0,
        Conversation? KeepAfter = null, bool Delivered = false, bool Answered = false, bool Holding = false, bool NodeSilent = false,
        int HoldsAsked = 0, long Due = 0, bool Unkept = false);
}
