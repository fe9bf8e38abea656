using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace Switchboard.Server.Cluster;

/// <summary>
/// A cluster node's history as its sessions see it (what <see cref="HistoryActor"/> is on a single host), on the node
/// side under an unguessable name. The conversations and inboxes are sharded entities that may live on any node, and a
/// session is not an address another node may reach (it lives in the client-facing system): so each request goes to
/// its shard region from here, under a ticket of this relay's, and the entity's answer comes back here and is passed to
/// the session under the session's own ticket. Requests are taken from this process only; an answer nobody waits for
/// any more (its session gave up after the history timeout) is dropped, and forgotten requests are swept, so the
/// table stays bounded.
/// <para>It keeps the node's <see cref="LostNodes"/>: a member unreachable, then removed, is lost until two history
/// timeouts after its removal (a request sent to it just before then waits one out), so that a session answers a
/// request nobody answered meanwhile with "conversation moving", not "history store unavailable".</para>
/// <para>It also spreads reservations: an account reserved or released on this node (the node side's event stream)
/// empties the name's inbox and is published to every node, whose relays update their <see cref="ReservedNames"/>.</para>
/// </summary>
public sealed class HistoryRelayActor : ReceiveActor, IWithTimers
{
    public const string ReservationsTopic = "switchboard-reservations";
    private readonly IActorRef _conversations;
    private readonly IActorRef _inboxes;
    private readonly IActorRef _mediator;
    private readonly ReservedNames _reserved;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<long, Waiting> _waiting = [];
    private readonly Func<CancellationToken, Task<ReservedNames>>? _reread;
    private readonly TimeSpan _rereadAfter;
    private readonly LostNodes? _lost;
    private readonly IWriteGuard? _claim;
    private static readonly TimeSpan RereadWithin = TimeSpan.FromSeconds(30);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // A post is answered late when its conversation's node was killed (written once the shard has moved, ~12 s), and
    // its session still waits for it after its 503 (history.timeout and delivery-timeout, then a minute of
    // history.timeouts): dropping that answer after two sweeps left such a DM kept but never held for its offline
    // recipient. Sweeps are history.timeout apart; the margin covers a delivery-timeout of up to two of them.
    private const long PostSweeps = SessionChat.MaxHoldsAsked + 4;
    // The second ask after a node's removal: by then this node's regions have heard of it too.
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(1);
    private long _tickets, _sweeps;
    // What sessions told inboxes to forget while another cluster held the database's claim, oldest first: sent on once
    // this cluster holds it again. Bounded: past it the oldest goes (a page forgotten later is pushed again at a login).
    private readonly Queue<object> _heldBack = new();
    private const int MaxHeldBack = 4096;
    private bool _heldBackDropped;

    /// <param name="reread">Reads the store's reserved names afresh (null: never), <paramref name="rereadAfter"/> after the
    /// subscription to the other nodes' notices is acknowledged.</param>
    /// <param name="lost">Kept from the cluster's membership events (null: not kept, no subscription).</param>
    /// <param name="claim">Whether this cluster holds its database's claim: kept messages, holds and read markers are
    /// answered 503 while it does not (another cluster writes the same conversations).</param>
    public HistoryRelayActor(IActorRef conversations, IActorRef inboxes, IActorRef mediator, ReservedNames reserved, TimeSpan timeout,
        Func<CancellationToken, Task<ReservedNames>>? reread = null, TimeSpan rereadAfter = default, LostNodes? lost = null, IWriteGuard? claim = null)
    {
        _claim = claim;
        _conversations = conversations;
        _inboxes = inboxes;
        _mediator = mediator;
        _reserved = reserved;
        _timeout = timeout;
        _reread = reread;
        _rereadAfter = rereadAfter;
        _lost = lost;
        Receive<Post>(FromHere, m =>
        {
            if (Writable(m.Ticket)) Ask(_conversations, m.Ticket, t => m with { Ticket = t }, PostSweeps);
        });
        // Asking these twice does no harm (a hold is held once, a marker only moves on): asked again after a node's loss.
        Receive<ReadHistory>(FromHere, m => Ask(_conversations, m.Ticket, t => m with { Ticket = t }, again: true));
        Receive<MarkReadUpTo>(FromHere, m =>
        {
            if (Writable(m.Ticket)) Ask(_conversations, m.Ticket, t => m with { Ticket = t }, again: true);
        });
        Receive<Fetch>(FromHere, m => Ask(_conversations, m.Ticket, t => m with { Ticket = t }, again: true));
        Receive<ReadMarkers>(FromHere, m => Ask(_inboxes, m.Ticket, t => m with { Ticket = t }, again: true));
        Receive<Hold>(FromHere, m =>
        {
            if (Writable(m.Ticket)) Ask(_inboxes, m.Ticket, t => m with { Ticket = t }, again: true);
        });
        Receive<CollectAway>(FromHere, m => Ask(_inboxes, m.Ticket, t => m with { Ticket = t }, again: true));
        // Told without an answer, so not refused as a write: held back while the claim is another cluster's.
        Receive<AwayDelivered>(FromHere, ToInbox);
        Receive<ForgetMarker>(FromHere, ToInbox);
        Receive<StoreClaimBack>(_ => SendHeldBack());
        Receive<Posted>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<HistoryFailed>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<HistoryPage>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<MarkedOk>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<HeldOk>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<AwayReport>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<Fetched>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<MarkersRead>(m => Answer(m.Ticket, t => m with { Ticket = t }));
        Receive<ReservationChanged>(m =>
        {
            // The inboxes are the cluster's: the writer's node empties the name's once. One that found the change late
            // (an account recovered here after this node missed its notice) tells the others again, which folds to nothing.
            if (m.Written) _inboxes.Tell(new ClearInbox(m.Name), ActorRefs.NoSender);
            _mediator.Tell(new Publish(ReservationsTopic, new ReservationNotice(m.Name, _reserved.Since(m.Name), _reserved.SeqOf(m.Name))));
        });
        Receive<ReservationNotice>(m =>
        {
            if (_reserved.Heard(m.Name, m.SinceMs, m.Seq) == true) Context.System.EventStream.Publish(new ReservationHeard(m.Name));
        });
        Receive<SubscribeAck>(_ =>
        {
            // Reservations made while this node read its list, or before the other nodes' mediators heard of this
            // subscription (their gossip), were told to nobody here: read the list again once they have.
            if (_reread is not null && !Timers.IsTimerActive(RereadNow.Instance)) Timers.StartSingleTimer(RereadNow.Instance, RereadNow.Instance, _rereadAfter);
        });
        Receive<RereadNow>(_ =>
        {
            // What this node believes as the read starts: a name heard of while it runs is not in what it reads.
            var known = _reserved.All.Select(n => (n.Name, _reserved.SeqOf(n.Name))).ToList();
            // Bounded: a store that never answers is tried again, not waited on for good.
            var bound = new CancellationTokenSource(RereadWithin);
            _reread!(bound.Token).ContinueWith(t =>
            {
                bound.Dispose();
                return t.IsCompletedSuccessfully ? new Reread(t.Result, known) : (object)new RereadFailed(t.Exception?.GetBaseException() ?? new TimeoutException("no answer"));
            }, TaskScheduler.Default).PipeTo(Self);
        });
        Receive<Reread>(Fold);
        Receive<RereadFailed>(m =>
        {
            _log.Warning("reading the reserved names again failed (tried again in {0:0.#} s): {1}", _rereadAfter.TotalSeconds, DataStoreErrors.OneLine(m.Cause));
            Timers.StartSingleTimer(RereadNow.Instance, RereadNow.Instance, _rereadAfter);
        });
        Receive<Sweep>(_ =>
        {
            SweepForgotten();
            SendHeldBack(); // should the claim's news have been missed
        });
        Receive<ClusterEvent.UnreachableMember>(m => Unreachable(NodeSide.FrontOf(m.Member)));
        Receive<ClusterEvent.ReachableMember>(m => _lost?.Settled(NodeSide.FrontOf(m.Member)));
        Receive<ClusterEvent.MemberRemoved>(m => Removed(NodeSide.FrontOf(m.Member)));
        // The same, told by a spec's relay that has no cluster.
        Receive<NodeUnreachable>(FromHere, m => Unreachable(m.Node));
        Receive<NodeReachable>(FromHere, m => _lost?.Settled(m.Node));
        Receive<NodeRemoved>(FromHere, m => Removed(m.Node));
        Receive<AskAgainNow>(_ => AskAgain());
        Receive<Settled>(m => _lost?.Settled(m.Node));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef conversations, IActorRef inboxes, IActorRef mediator, ReservedNames reserved, TimeSpan timeout,
        Func<CancellationToken, Task<ReservedNames>>? reread = null, TimeSpan rereadAfter = default, LostNodes? lost = null, IWriteGuard? claim = null) =>
        Akka.Actor.Props.Create(() => new HistoryRelayActor(conversations, inboxes, mediator, reserved, timeout, reread, rereadAfter, lost, claim));

    // What the store says now, folded by number into what this node believes: a name found reserved with a newer event is
    // news; one no longer found, whose number nothing heard since has passed, was released (a release's row is not read
    // back: it keeps no event to fold).
    private void Fold(Reread m)
    {
        var changed = new List<string>();
        foreach (var (name, since) in m.Fresh.All)
            if (_reserved.Heard(name, since, m.Fresh.SeqOf(name)) == true) changed.Add(name);
        foreach (var (name, seq) in m.Known)
            if (!m.Fresh.IsReserved(name) && _reserved.ReleasedIfStill(name, seq)) changed.Add(name);
        foreach (var name in changed)
        {
            _log.Info("account '{0}': {1} through another node, found by reading the store again", name, _reserved.IsReserved(name) ? "reserved" : "released");
            Context.System.EventStream.Publish(new ReservationHeard(name));
        }
    }

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(ReservationsTopic, Self));
        Context.System.EventStream.Subscribe(Self, typeof(ReservationChanged));
        if (_claim is not null) Context.System.EventStream.Subscribe(Self, typeof(StoreClaimBack));
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, _timeout);
        // Only on a cluster's node side (a spec's relay without a cluster provider is told the events itself).
        if (_lost is not null && Context.System is ExtendedActorSystem { Provider: ClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (_lost is not null && Context.System is ExtendedActorSystem { Provider: ClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    // A session, in this process (the client-facing system): never a message from another node.
    // The claim's episodes are logged by StoreClaimActor; each refused write is the session's to answer.
    private bool Writable(long ticket)
    {
        if (_claim?.Problem() is null) return true;
        Sender.Tell(new HistoryFailed(ticket, Codes.Unavailable, HistoryText.ClaimedElsewhere));
        return false;
    }

    // A pushed page or a left room's marker to forget: written by the inbox, which another cluster may be writing too
    // while it holds the claim (a split), so it waits for the claim; in the order told.
    private void ToInbox(object forget)
    {
        if (_claim?.Problem() is null)
        {
            SendHeldBack();
            _inboxes.Tell(forget, ActorRefs.NoSender);
            return;
        }
        if (_heldBack.Count == 0)
            _log.Info("pages pushed at logins and left rooms' read markers are forgotten once this cluster holds the data store's claim again (another cluster holds it)");
        if (_heldBack.Count >= MaxHeldBack)
        {
            _heldBack.Dequeue();
            if (!_heldBackDropped) _log.Warning("more than {0} inbox changes wait for the data store's claim: the oldest are dropped (their pages are pushed again at the next login)", MaxHeldBack);
            _heldBackDropped = true;
        }
        _heldBack.Enqueue(forget);
    }

    private void SendHeldBack()
    {
        if (_heldBack.Count == 0 || _claim?.Problem() is not null) return;
        _log.Info("{0} inbox change(s) that waited for the data store's claim sent on", _heldBack.Count);
        while (_heldBack.TryDequeue(out var forget)) _inboxes.Tell(forget, ActorRefs.NoSender);
        _heldBackDropped = false;
    }

    private bool FromHere(object _) => Sender.Path.Address.HasLocalScope && !Sender.IsNobody();

    private void Ask(IActorRef region, long ticket, Func<long, object> retick, long sweeps = 2, bool again = false)
    {
        var mine = ++_tickets;
        var asked = retick(mine);
        _waiting[mine] = new Waiting(Sender, ticket, _sweeps + sweeps, again ? (region, asked) : null);
        region.Tell(asked, Self);
    }

    private void Unreachable(string node)
    {
        Timers.Cancel(("settled", node));
        _lost?.Lost(node);
    }

    // Its shards are allocated anew from now, and what was sent to it meanwhile was lost with it: what may be asked
    // twice is asked again now and once more a moment later (the region may hear of the removal just after this
    // relay, and send the first ask to the dead node too). A post waits out its timeout: asked twice, it is kept twice.
    private void Removed(string node)
    {
        if (_lost?.Has(node) != true) return;
        Timers.StartSingleTimer(("settled", node), new Settled(node), _timeout * 2);
        AskAgain();
        Timers.StartSingleTimer("ask-again", AskAgainNow.Instance, AskAgainAfter);
    }

    private void AskAgain()
    {
        foreach (var w in _waiting.Values)
            if (w.Again is var (region, asked)) region.Tell(asked, Self);
    }

    private void Answer(long mine, Func<long, object> retick)
    {
        if (_waiting.Remove(mine, out var w)) w.ReplyTo.Tell(retick(w.Ticket));
    }

    // Past its sweeps: the session gave up on it at least one history timeout ago.
    private void SweepForgotten()
    {
        _sweeps++;
        foreach (var (ticket, w) in _waiting.Where(kv => _sweeps >= kv.Value.Until).ToList()) _waiting.Remove(ticket);
    }

    /// <param name="Again">Where and what to ask again after a node's loss (null: a post, never asked twice).</param>
    private sealed record Waiting(IActorRef ReplyTo, long Ticket, long Until, (IActorRef Region, object Asked)? Again);

    private sealed record AskAgainNow
    {
        public static readonly AskAgainNow Instance = new();
    }

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private sealed record Settled(string Node);

    private sealed record RereadNow
    {
        public static readonly RereadNow Instance = new();
    }

    /// <summary>What the store said, and what this node believed as the read started.</summary>
    private sealed record Reread(ReservedNames Fresh, IReadOnlyList<(string Name, long Seq)> Known);

    private sealed record RereadFailed(Exception Cause);
}
