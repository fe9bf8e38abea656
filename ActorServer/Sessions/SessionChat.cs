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
internal sealed class SessionChat(string name, IActorRef client, ClaimHandle claim, IActorRef self, IWithTimers timers,
    SessionServices services, SessionFigures? figures)
{
    private readonly IActorRef _registry = services.Registry;
    private readonly IActorRef _roomsActor = services.Rooms;
    private readonly SessionSettings _settings = services.Settings;
    private readonly SwitchboardMetrics? _metrics = services.Metrics;
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private readonly HashSet<long> _awaitingDelivery = [];
    private bool _presence = true;
    private long _pushed, _acked;

    /// <summary>The chat's handlers, in its session: what the client sends passes the session's checks first. A new
    /// chat command is one line here and its handler below.</summary>
    public void Listen(ISessionInbox inbox)
    {
        inbox.FromClient<Tell>(m => m.Id, Tell);
        inbox.FromClient<Say>(m => m.Id, Say);
        inbox.FromClient<JoinRoom>(m => m.Id, Join);
        inbox.FromClient<LeaveRoom>(m => m.Id, Leave);
        inbox.FromClient<ListRooms>(m => m.Id, ListRooms);
        inbox.FromClient<SetPresence>(m => m.Id, SetPresence);
        inbox.Receive<RouteResult>(Routed);
        inbox.Receive<Delivered>(Delivered);
        inbox.Receive<DeliveryTimeout>(TimedOut);
        inbox.Receive<Deliver>(Deliver);
        inbox.Receive<Fanout>(Fanout);
        inbox.Receive<FanoutDropped>(FanoutDropped);
        inbox.Receive<RoomJoined>(Joined);
        inbox.Receive<RoomRefused>(Refused);
        inbox.Receive<RoomLeft>(Left);
        inbox.Receive<RoomsList>(RoomsListed);
        inbox.Receive<PresenceChanged>(Presence);
    }

    /// <summary>Pushed events the client has not acknowledged yet.</summary>
    public long Unacked => _pushed - _acked;

    /// <summary>An outcome for the client, counted and sent by the registry like every reply.</summary>
    public void Answer(long id, OpOutcome outcome) => _registry.Tell(new CountAndReply(claim, client, id, outcome));

    // ------------------------------------------------------------------ from the client

    private void SetPresence(SetPresence m)
    {
        _presence = m.On;
        Answer(m.Id, OpOutcome.Ok(OpValue.Of(m.On ? "presence notices on" : "presence notices off")));
    }

    private void ListRooms(ListRooms m) => _roomsActor.Tell(new RoomsQuery(m.Id, self));

    private void Tell(Tell m)
    {
        if ((Limits.NameError(m.To) is { } nameError ? $"recipient: {nameError}" : ChatRules.TextError(m.Text)) is { } error)
        {
            Answer(m.Id, OpOutcome.Invalid(error));
            return;
        }
        _awaitingDelivery.Add(m.Id);
        timers.Timers.StartSingleTimer(m.Id, new DeliveryTimeout(m.Id), _settings.DeliveryTimeout);
        _registry.Tell(new RouteTell(m.Id, name, m.To, m.Text, self));
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
        _registry.Tell(new RouteFanout(m.Id, name, room, m.Text, self));
    }

    private void Join(JoinRoom m)
    {
        if (ChatRules.NormalizeRoom(m.Room) is not { } room)
        {
            Answer(m.Id, OpOutcome.Invalid("room names are 1-32 of A-Z a-z 0-9 _ . - (with or without #)"));
            return;
        }
        _roomsActor.Tell(new JoinLocal(m.Id, room, self));
    }

    private void Leave(LeaveRoom m)
    {
        if (ChatRules.NormalizeRoom(m.Room) is not { } room)
        {
            Answer(m.Id, OpOutcome.Invalid("bad room name"));
            return;
        }
        _roomsActor.Tell(new LeaveLocal(m.Id, room, self));
    }

    /// <summary>The client has taken in <paramref name="received"/> pushed events in all.</summary>
    public void Acknowledge(long received)
    {
        var acked = Math.Max(_acked, Math.Min(received, _pushed));
        _metrics?.Acknowledged(acked - _acked);
        _acked = acked;
        figures?.SetUnacked(_pushed - _acked);
    }

    // ------------------------------------------------------------------ outcomes from the registry and the rooms

    private void Joined(RoomJoined m)
    {
        _rooms.Add(m.Room);
        // History first, then the reply: the client sees the replay before "joined".
        foreach (var (from, text) in m.History) Push(new Incoming(from, text, false, m.Room, true));
        Answer(m.Id, OpOutcome.Ok(OpValue.Of(m.AlreadyMember ? $"already in {m.Room}" : $"joined {m.Room}")));
    }

    private void Left(RoomLeft m)
    {
        _rooms.Remove(m.Room);
        Answer(m.Id, m.WasMember ? OpOutcome.Ok(OpValue.Of($"left {m.Room}")) : OpOutcome.Invalid($"not in {m.Room}"));
    }

    private void Refused(RoomRefused m) => Answer(m.Id, new OpOutcome(m.Code, OpValue.None, m.Error));

    private void RoomsListed(RoomsList m) => _registry.Tell(new CountAndListRooms(claim, client, m.Id, m.Rooms));

    private void Routed(RouteResult m)
    {
        if (_awaitingDelivery.Contains(m.Id)) Finish(m.Id, new OpOutcome(m.Code, OpValue.None, m.Error));
        else if (m.Code != Codes.Ok) Answer(m.Id, new OpOutcome(m.Code, OpValue.None, m.Error));
        // A broadcast answers how many it went to; a room message, where it went (members are per node).
        else Answer(m.Id, OpOutcome.Ok(m.Room is null ? OpValue.Of(m.Recipients) : OpValue.Of($"sent to {m.Room}")));
    }

    private void Delivered(Delivered m) =>
        Finish(m.Id, m.Code == Codes.Ok ? OpOutcome.Ok(OpValue.Of("delivered")) : new OpOutcome(m.Code, OpValue.None, m.Error));

    private void TimedOut(DeliveryTimeout m) =>
        Finish(m.Id, new OpOutcome(Codes.NotOnline, OpValue.None, "the recipient's node did not answer"));

    private void Finish(long id, OpOutcome outcome)
    {
        if (!_awaitingDelivery.Remove(id)) return; // already answered (timeout, or a late answer)
        timers.Timers.Cancel(id);
        Answer(id, outcome);
    }

    // ------------------------------------------------------------------ to the client

    // A direct message for this client: accepted unless the client is not keeping up.
    private void Deliver(Deliver m)
    {
        if (Backlogged)
        {
            m.ReplyTo.Tell(new Delivered(m.Id, Codes.RateLimited, $"{name} is not keeping up; message dropped"), ActorRefs.NoSender);
            _metrics?.Dropped(direct: true, room: false);
            return;
        }
        Push(new Incoming(m.From, m.Text, true, null, false));
        _metrics?.Delivered(direct: true, room: false);
        m.ReplyTo.Tell(new Delivered(m.Id, Codes.Ok, null), ActorRefs.NoSender);
    }

    private void Fanout(Fanout m)
    {
        if (m.From == name || (m.Room is not null && !_rooms.Contains(m.Room))) return;
        if (Backlogged)
        {
            m.ReplyTo.Tell(new FanoutDropped(m.From, name, $"{name} is not keeping up; message dropped"), ActorRefs.NoSender);
            _metrics?.Dropped(direct: false, room: m.Room is not null);
            return;
        }
        Push(new Incoming(m.From, m.Text, false, m.Room, false));
        _metrics?.Delivered(direct: false, room: m.Room is not null);
    }

    private void FanoutDropped(FanoutDropped d) => Push(new Dropped(d.To, d.Reason));

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
        client.Tell(m, self);
        _pushed++;
        _metrics?.Pushed();
        figures?.SetUnacked(_pushed - _acked);
    }

    /// <summary>No answer to a direct message in time: its outcome is "not online".</summary>
    private sealed record DeliveryTimeout(long Id);
}
