using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Registry;

/// <summary>
/// The segment's implementation of the registry (the messages in <c>Protocol/</c>): the only user of the
/// state store (the shared-memory segment and its cross-process mutex), which the host creates, owns and
/// disposes. Runs on a pinned thread because the mutex must be released by the thread that took it; every
/// store call is one short synchronous critical section. It stamps and sends replies itself, so a request
/// costs one local hop here and no Ask.
/// <para>Failures: a busy or broken segment costs one request a 503. Any other exception (a bug) also
/// answers that request 503 and is left to supervision, which resumes the actor with its state and the same
/// store (<see cref="ResumeOnFailure"/>); if the actor stops anyway, the gateway stops the node. A segment that
/// cannot be used any more (its file cut short under the node, <see cref="SegmentFault.Truncated"/>) answers the
/// request 503 "server state corrupt: ..." and stops the actor, so the node shuts down with exit code 1.</para>
/// </summary>
public sealed class StateActor : ReceiveActor, IWithTimers
{
    private readonly IStateStore _store;
    private readonly ServerSummary _summary;
    private readonly TimeSpan _maintainInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Requests served per live slot on this node, for the shutdown summary without a per-request lookup.
    private readonly Dictionary<int, (string Name, long Requests)> _live = new();

    public ITimerScheduler Timers { get; set; } = null!;

    // Presence: who was online at the last look, to tell local sessions who came and went on any node.
    private readonly PresenceTracker _presence = new();
    private readonly Dictionary<string, IActorRef> _doors = new(StringComparer.Ordinal);
    private readonly ActorSelection _localGateway = Context.ActorSelection("/user/gateway");
    private readonly ActorSelection _localRooms = Context.ActorSelection("/user/rooms");
    private readonly string _doorName;
    private readonly string _node;
    // Other nodes of the segment answer relayed DMs and broadcasts at this node's door, never at a session.
    private readonly RelayBook _relays;
    private IActorRef? _ownDoor;
    private readonly SwitchboardMetrics? _metrics;
    private string? _corrupt; // why the store can no longer be used; the actor is stopping

    public StateActor(IStateStore store, StateSettings settings, ServerSummary summary, string node, string doorName, SwitchboardMetrics? metrics = null)
    {
        _metrics = metrics;
        _doorName = doorName;
        _store = store;
        _summary = summary;
        _maintainInterval = settings.MaintainInterval;
        _node = node;
        _relays = new RelayBook((int)Math.Ceiling(RelayHorizon / settings.MaintainInterval));

        Receive<CountAndReply>(OnCount);
        Receive<CountAndReplyBatch>(OnCountBatch);
        Receive<ClaimName>(OnClaim);
        Receive<ReleaseAndReply>(OnReleaseAndReply);
        Receive<ReleaseName>(m => Release(m.Slot, m.Name, m.Reason));
        Receive<GetSnapshot>(_ => Guarded(() => Sender.Tell(_store.Snapshot()), () => Sender.Tell(new Status.Failure(new TimeoutException("state unavailable")))));
        Receive<MaintainNow>(_ => OnMaintain());
        Receive<CountAndListRooms>(OnCountAndListRooms);
        Receive<WhoQuery>(OnWho);
        Receive<RouteTell>(OnRouteTell);
        Receive<RouteFanout>(OnRouteFanout);
        // From this node's door: answers of other nodes to what this registry relayed.
        Receive<Delivered>(m =>
        {
            if (_relays.Take(m.Id) is var (session, id)) session.Tell(new Delivered(id, m.Code, m.Error));
        });
        Receive<FanoutDropped>(d => _relays.SenderOf(d.From)?.Tell(d));
    }

    /// <summary>Longer than any session's delivery timeout: a relay unanswered this long never will be.</summary>
    private static readonly TimeSpan RelayHorizon = TimeSpan.FromSeconds(60);

    // The door is the gateway's child, created after this actor: looked up when first needed.
    private IActorRef OwnDoor => _ownDoor ??= ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(Self.Path.Root / "user" / "gateway" / _doorName);

    public static Props Props(IStateStore store, StateSettings settings, ServerSummary summary, string node, string doorName, SwitchboardMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new StateActor(store, settings, summary, node, doorName, metrics)).WithDispatcher(StateSettings.Dispatcher);

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("maintain", MaintainNow.Instance, _maintainInterval);

    // The store is the host's: stopping records the summary and leaves the segment to the host's Dispose.
    protected override void PostStop()
    {
        foreach (var (_, (name, requests)) in _live) _summary.Record(name, requests);
        _live.Clear();
        _summary.Complete();
    }

    // A bug while handling one message must not leave its sender waiting for a reply that never comes.
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception)
        {
            AnswerFailure(message);
            throw;
        }
    }

    private void AnswerFailure(object message)
    {
        const string error = "server state unavailable, try again";
        switch (message)
        {
            case ClaimName m: Sender.Tell(new NameRefused(m.Name, m.Client, Codes.Unavailable, error)); break;
            case CountAndReply m: Unavailable(m.Client, m.Id); break;
            case CountAndReplyBatch m: foreach (var a in m.Replies) Unavailable(m.Client, a.Id); break;
            case ReleaseAndReply m: Unavailable(m.Client, m.Id); break;
            case WhoQuery m: Unavailable(m.Client, m.Id); break;
            case CountAndListRooms m: Unavailable(m.Client, m.Id); break;
            case RouteTell m: m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, error, 0)); break;
            case RouteFanout m: m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, error, 0)); break;
            case GetSnapshot: Sender.Tell(new Status.Failure(new InvalidOperationException(error))); break;
        }
    }

    // The hot path: no closures, no lookups beyond one dictionary slot.
    private void OnCount(CountAndReply m)
    {
        if (!CountOrAnswer(m.Slot, m.Client, m.Id, out var seq)) return;
        var o = m.Outcome;
        m.Client.Tell(new Reply(m.Id, o.Code, seq.ClientSeq, seq.ServerSeq, o.Value, o.Error));
        _metrics?.Answered(o.Code, m.Started);
    }

    // A batch: one lock section, consecutive numbers, one message back.
    private void OnCountBatch(CountAndReplyBatch m)
    {
        var n = m.Replies.Length;
        if (n == 0) return;
        SeqPair last;
        try
        {
            if (!_store.TryCount(m.Slot, n, out last))
            {
                foreach (var a in m.Replies) m.Client.Tell(LostReplies.For(a.Id));
                Sender.Tell(RegistrationLost.Instance);
                return;
            }
        }
        catch (Exception ex) when (IsStoreFault(ex))
        {
            OnStoreFault(ex);
            foreach (var a in m.Replies) Unavailable(m.Client, a.Id);
            return;
        }
        Track(m.Slot, last);
        var replies = new Reply[n];
        for (var i = 0; i < n; i++)
        {
            var (id, o) = m.Replies[i];
            replies[i] = new Reply(id, o.Code, last.ClientSeq - n + 1 + i, last.ServerSeq - n + 1 + i, o.Value, o.Error);
            _metrics?.Answered(o.Code);
        }
        m.Client.Tell(new ReplyBatch(replies));
    }

    private enum Counted { Yes, SlotGone, StoreFault }

    /// <summary>Counts one reply; false when it could not be counted, and the client was already told why.</summary>
    private bool CountOrAnswer(SlotHandle slot, IActorRef client, long id, out SeqPair seq)
    {
        var counted = Count(slot, client, id, out seq);
        if (counted == Counted.SlotGone)
        {
            client.Tell(LostReplies.For(id));
            _metrics?.Answered(Codes.Unavailable);
            Sender.Tell(RegistrationLost.Instance); // the session: it ends, and its client registers again
        }
        return counted == Counted.Yes;
    }

    /// <summary>Counts one reply to the client in <paramref name="slot"/>; a store fault is answered 503 here.</summary>
    private Counted Count(SlotHandle slot, IActorRef client, long id, out SeqPair seq)
    {
        try
        {
            if (!_store.TryCount(slot, out seq)) return Counted.SlotGone;
        }
        catch (Exception ex) when (IsStoreFault(ex))
        {
            OnStoreFault(ex);
            Unavailable(client, id);
            seq = default;
            return Counted.StoreFault;
        }
        Track(slot, seq);
        return Counted.Yes;
    }

    private void OnClaim(ClaimName m)
    {
        Guarded(() =>
        {
            var r = _store.Claim(m.Name);
            switch (r.Status)
            {
                case ClaimStatus.Claimed:
                    _live[r.Slot.Index] = (m.Name, 0);
                    Sender.Tell(new NameClaimed(m.Name, m.Client, r.Slot, r.Seq));
                    break;
                case ClaimStatus.Taken:
                    Sender.Tell(new NameRefused(m.Name, m.Client, Codes.NameTaken, $"name '{m.Name}' is already taken"));
                    break;
                default:
                    Sender.Tell(new NameRefused(m.Name, m.Client, Codes.Unavailable, "server is full"));
                    break;
            }
        }, () => Sender.Tell(new NameRefused(m.Name, m.Client, Codes.Unavailable, UnavailableText)));
    }

    private void OnReleaseAndReply(ReleaseAndReply m)
    {
        var counted = Count(m.Slot, m.Client, m.Id, out var seq);
        if (counted == Counted.StoreFault) return;
        if (counted == Counted.Yes) Release(m.Slot, m.Name, "unregistered");
        // Either way the name is no longer this client's: the unregister succeeded.
        m.Client.Tell(new Reply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, OpValue.Of("unregistered"), null));
        _metrics?.Answered(Codes.Ok);
    }

    /// <summary>clientSeq - 1 is the client's request count (registration is reply 1).</summary>
    private void Track(SlotHandle slot, SeqPair seq)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_live, slot.Index);
        if (!Unsafe.IsNullRef(ref entry)) entry.Requests = seq.ClientSeq - 1;
    }

    private void Unavailable(IActorRef client, long id)
    {
        client.Tell(new Reply(id, Codes.Unavailable, 0, 0, OpValue.None, UnavailableText));
        _metrics?.Answered(Codes.Unavailable);
    }

    private static bool IsStoreFault(Exception ex) => ex is TimeoutException or IOException or SegmentException;

    /// <summary>What a 503 says: the store's own words when it can no longer be used, else "try again".</summary>
    private string UnavailableText => _corrupt ?? "server state unavailable, try again";

    /// <summary>A busy or broken segment: logged; one that can never be used again stops the actor (and so the node,
    /// through the gateway) once the current message is answered, instead of answering 503 for ever.</summary>
    private void OnStoreFault(Exception ex)
    {
        _metrics?.StoreFault(ex);
        if (ex is SegmentException { Fault: SegmentFault.Truncated } fatal)
        {
            if (_corrupt is not null) return;
            _corrupt = fatal.Message;
            _log.Error("{0}; stopping this node", fatal.Message);
            Context.Stop(Self);
            return;
        }
        _log.Error(ex, "state store unavailable");
    }

    private void Release(SlotHandle slot, string name, string reason)
    {
        _relays.Forget(name);
        Guarded(() =>
        {
            if (!_store.Release(slot)) return;
            if (_live.Remove(slot.Index, out var e)) _summary.Record(e.Name, e.Requests);
            _log.Debug("name {0} freed ({1})", name, reason); // the session's "ended" line says it once
        }, () => { });
    }

    private void OnMaintain()
    {
        _relays.Tick();
        Guarded(() =>
        {
            var reaped = _store.Maintain();
            if (reaped > 0) _log.Warning("reaped {0} client(s) of dead node(s)", reaped);
            Announce(_presence.Observe(_store.Snapshot()));
        }, () => { });
    }

    /// <summary>Tells this node's gateway (for its sessions) who came and went since the last look, and the live nodes.</summary>
    private void Announce(PresenceChanged change)
    {
        _localGateway.Tell(change);
    }

    /// <summary>Node traffic for <paramref name="node"/>: this node's gateway or rooms, or another node's door (whose
    /// name only the segment's nodes know), which hands it to that node's gateway or rooms.</summary>
    private void SendToNode(string node, ISwitchboardMessage message, bool rooms = false)
    {
        if (node == _node)
        {
            (rooms ? _localRooms : _localGateway).Tell(message, Self);
            return;
        }
        if (!_doors.TryGetValue(node, out var door))
        {
            var protocol = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.Protocol;
            _doors[node] = door = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef($"{protocol}://switchboard@{node}/user/gateway/{_doorName}");
        }
        door.Tell(message, Self);
    }

    private void OnCountAndListRooms(CountAndListRooms m)
    {
        if (CountOrAnswer(m.Slot, m.Client, m.Id, out var seq))
        {
            m.Client.Tell(new RoomsReply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, m.Rooms, null));
            _metrics?.Answered(Codes.Ok);
        }
    }

    private void OnWho(WhoQuery m)
    {
        var snapshot = default(StateSnapshot);
        Guarded(() => snapshot = _store.Snapshot(), () => { });
        if (snapshot is null)
        {
            Unavailable(m.Client, m.Id);
            return;
        }
        var clients = snapshot.Clients
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new PresenceEntry(c.Name, c.Node, c.Since.ToUnixTimeMilliseconds()))
            .ToArray();
        if (CountOrAnswer(m.Slot, m.Client, m.Id, out var seq))
        {
            m.Client.Tell(new WhoReply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, clients, null));
            _metrics?.Answered(Codes.Ok);
        }
    }

    // A direct message goes to the recipient's node; its session answers the sender's session.
    private void OnRouteTell(RouteTell m)
    {
        ClientEntry? entry = null;
        var unavailable = false;
        Guarded(() => entry = _store.TryFind(m.To, out var e) ? e : null, () => unavailable = true);
        if (unavailable) m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, UnavailableText, 0));
        else if (entry is null) m.Session.Tell(new RouteResult(m.Id, Codes.NotOnline, $"{m.To} is not online", 0));
        else if (entry.Node == _node) SendToNode(entry.Node, new Deliver(m.Id, m.From, m.To, m.Text, m.Session));
        else SendToNode(entry.Node, new Deliver(_relays.Add(m.Session, m.Id), m.From, m.To, m.Text, OwnDoor));
    }

    // A broadcast or room message goes to every node; each node hands it to its own sessions.
    private void OnRouteFanout(RouteFanout m)
    {
        Census? census = null;
        Guarded(() => census = _store.Census(), () => { });
        if (census is null)
        {
            m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, UnavailableText, 0));
            return;
        }
        var local = new Fanout(m.From, m.Room, m.Text, m.Session);
        Fanout? relayed = null;
        foreach (var node in census.Nodes)
        {
            if (node != _node && relayed is null)
            {
                _relays.Broadcasting(m.From, m.Session);
                relayed = local with { ReplyTo = OwnDoor };
            }
            SendToNode(node, node == _node ? local : relayed!, rooms: m.Room is not null);
        }
        m.Session.Tell(new RouteResult(m.Id, Codes.Ok, null, m.Room is null ? census.Clients - 1 : 0, m.Room));
    }

    /// <summary>A busy or broken segment costs one request a 503, never the actor or the server.</summary>
    private void Guarded(Action work, Action onUnavailable)
    {
        try
        {
            work();
        }
        catch (Exception ex) when (IsStoreFault(ex))
        {
            OnStoreFault(ex);
            onUnavailable();
        }
    }
}
