using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Registry;

/// <summary>
/// The registry (the messages in <c>Protocol/</c>) in every mode: it claims and frees names, hands each session the
/// <see cref="ReplyCounter"/> that numbers its replies (so requests never pass through here), answers `who`, routes
/// direct messages and broadcasts, keeps the per-client tally for the shutdown summary and the relays to other nodes
/// (<see cref="RelayBook"/>). Where names and numbers live is its backend's
/// (<see cref="IRegistryBackend"/>: the segment, or the cluster's shards and leases), and how node traffic leaves is
/// the backend's router (<see cref="INodeRouter"/>).
/// <para>Failures: a request whose handling throws is answered 503 ("server state unavailable, try again").
/// A busy or broken backend (<see cref="Fault.Transient"/>) costs only that; any other exception (a bug) is then left
/// to supervision, which resumes the actor with its state (<see cref="ResumeOnFailure"/>); a backend that can never be
/// used again (<see cref="Fault.Fatal"/>: the segment cut short) answers with its own words and stops the actor, and
/// so the node (exit code 1), as does a session's <see cref="StoreBroken"/>. A node message the backend cannot take
/// yet (<see cref="Handled.NotYet"/>: a registration with no number left) is stashed until it can.</para>
/// </summary>
public sealed class RegistryActor : ReceiveActor, IWithUnboundedStash, IWithTimers, IRegistryCore
{
    private readonly IRegistryBackend _backend;
    private readonly ServerSummary _summary;
    private readonly string _node;
    private readonly SwitchboardMetrics? _metrics;
    private readonly RelayBook _relays;
    // Who broadcast under each name: where another node's drop notice for that broadcast goes.
    private readonly Dictionary<string, IActorRef> _broadcasters = new(StringComparer.Ordinal);
    // Each live claim's counter on this node (its session counts), for the shutdown summary.
    private readonly Dictionary<int, (string Name, ReplyCounter Counter, DateTimeOffset Since)> _live = new();
    // Sessions whose counters wait for numbers (cluster: no leased serverSeq left).
    private readonly HashSet<IActorRef> _waiters = new();
    private readonly ActorSelection _localGateway = Context.ActorSelection("/user/gateway");
    private readonly ActorSelection _localRooms = Context.ActorSelection("/user/rooms");
    private INodeRouter _router = null!;
    private string? _corrupt; // why the backend can no longer be used; the actor is stopping

    private static readonly Comparison<PresenceEntry> ByName = (a, b) => string.CompareOrdinal(a.Name, b.Name);

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;
    public ILoggingAdapter Log { get; } = Context.GetLogger();
    IActorRef IRegistryCore.Self => Self;
    ActorSystem IRegistryCore.System => Context.System;
    RelayBook IRegistryCore.Relays => _relays;

    /// <param name="backend">Created with the Props and kept for the actor's life (the registry is resumed, never restarted).</param>
    public RegistryActor(IRegistryBackend backend, ServerSummary summary, string node, SwitchboardMetrics? metrics = null)
    {
        _backend = backend;
        _summary = summary;
        _node = node;
        _metrics = metrics;
        _relays = new RelayBook((int)Math.Ceiling(backend.RelayHorizon / backend.TickInterval));

        Receive<ClaimName>(OnClaim);
        Receive<ReleaseName>(m => Release(m.Claim, m.Name, m.Reason, m.Served));
        Receive<ClaimServed>(m => _backend.Served(m.Claim, m.Name));
        Receive<HoldFold>(OnHoldFold);
        Receive<ReleaseFold>(m => _backend.ReleaseFold(m.Hold, m.Name));
        Receive<WhoQuery>(OnWho);
        Receive<AwaitNumbers>(OnAwaitNumbers);
        // A session's counter found the store broken for good: the same as the backend's fatal fault.
        Receive<StoreBroken>(m => OnFault(new InvalidOperationException(m.Reason), Fault.Fatal));
        Receive<RouteTell>(OnRouteTell);
        Receive<RouteFanout>(OnRouteFanout);
        Receive<GetSnapshot>(_ => Sender.Tell(_backend.Snapshot()));
        Receive<MaintainNow>(_ => OnTick());
        // Other nodes' answers to what this registry relayed, through the router's channel only.
        Receive<Delivered>(_ => _router.IsNodeChannel(Sender), OnRelayAnswer);
        Receive<FanoutDropped>(_ => _router.IsNodeChannel(Sender), d => _broadcasters.GetValueOrDefault(d.From)?.Tell(d));
        ReceiveAny(OnBackendMessage);
    }

    /// <summary>The segment's registry. On the pinned dispatcher: the segment's mutex must be released by the thread that took it.</summary>
    public static Props ForSegment(IStateStore store, StateSettings settings, ServerSummary summary, string node, string doorName,
        SwitchboardMetrics? metrics = null) =>
        Props.Create(() => new RegistryActor(new SegmentBackend(store, settings, node, doorName), summary, node, metrics))
            .WithDispatcher(StateSettings.Dispatcher);

    /// <summary>The cluster's registry: names from the shards, serverSeq from leases, rosters and fan-out over pub-sub.</summary>
    public static Props ForCluster(ClusterSettings settings, ServerSummary summary, ClusterReadiness readiness, string node, NodeSide side,
        LocalSessions local, NodeDirectory? directory = null, SwitchboardMetrics? metrics = null, Func<bool>? serving = null) =>
        Props.Create(() => new RegistryActor(new ClusterBackend(settings, readiness, node, side, local, directory, serving), summary, node, metrics));

    protected override void PreStart()
    {
        _router = _backend.Attach(this);
        Timers.StartPeriodicTimer("tick", MaintainNow.Instance, _backend.TickInterval);
    }

    // The backend's resources (the store) are the host's: stopping records the summary and detaches.
    protected override void PostStop()
    {
        _backend.Detach();
        foreach (var (_, (name, counter, since)) in _live) _summary.Record(name, counter.Requests, since);
        _live.Clear();
        _summary.Complete();
    }

    // Nobody waits for a reply that never comes: whatever throws is answered 503 to whoever waits.
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception ex)
        {
            var fault = _backend.Classify(ex);
            if (fault != Fault.None) OnFault(ex, fault);
            AnswerFailure(message);
            if (fault == Fault.None) throw;
            return true;
        }
    }

    private void AnswerFailure(object message)
    {
        var error = UnavailableText;
        switch (message)
        {
            case ClaimName m: Sender.Tell(new NameRefused(m.Name, m.Client, Codes.Unavailable, error)); break;
            case HoldFold m: Sender.Tell(new FoldRefused(m.Ticket, Codes.Unavailable, null)); break;
            case WhoQuery m: Sender.Tell(new WhoFailed(m.Id, error)); break;
            case RouteTell m: m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, error, 0)); break;
            case RouteFanout m: m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, error, 0)); break;
            case GetSnapshot: Sender.Tell(new Status.Failure(new InvalidOperationException(error))); break;
        }
    }

    /// <summary>What a 503 says: the backend's own words when it can no longer be used, else "try again".</summary>
    private string UnavailableText => _corrupt ?? RegistryText.Unavailable;

    private void OnFault(Exception ex, Fault fault)
    {
        _metrics?.StoreFault(ex);
        if (fault != Fault.Fatal)
        {
            Log.Error(ex, "state store unavailable");
            return;
        }
        if (_corrupt is not null) return;
        _corrupt = ex.Message;
        Log.Error("{0}; stopping this node", ex.Message);
        Context.Stop(Self);
    }

    // ---- what only the registry knows ----

    private void OnWho(WhoQuery m)
    {
        var everyone = _backend.Everyone();
        var clients = new PresenceEntry[everyone.Count];
        for (var i = 0; i < clients.Length; i++)
            clients[i] = new PresenceEntry(everyone[i].Name, everyone[i].Node, everyone[i].Since.ToUnixTimeMilliseconds(),
                m.Unread is not null && m.Unread.TryGetValue(everyone[i].Name, out var unread) ? unread : null);
        Array.Sort(clients, ByName);
        var (listed, more) = WhoListing.Fit(clients);
        Sender.Tell(new WhoList(m.Id, listed, more));
    }

    // A session whose counter had no number: answered when one can be taken (the backend asks for more meanwhile).
    private void OnAwaitNumbers(AwaitNumbers m)
    {
        if (_backend.NumbersWanted(m.Count)) Sender.Tell(NumbersReady.Instance);
        else _waiters.Add(Sender);
    }

    // ---- names ----

    private void OnClaim(ClaimName m)
    {
        var outcome = _backend.Claim(m, Sender);
        if (outcome.Verdict != ClaimVerdict.Pending) Decided(m, Sender, outcome);
    }

    public void Decided(ClaimName claim, IActorRef gateway, ClaimOutcome outcome)
    {
        switch (outcome.Verdict)
        {
            case ClaimVerdict.Claimed:
                _live[outcome.Handle.Key] = (claim.Name, outcome.Counter!, _summary.Now);
                gateway.Tell(new NameClaimed(claim.Name, claim.Client, outcome.Handle, outcome.Seq, outcome.Counter!));
                break;
            case ClaimVerdict.Taken:
                gateway.Tell(new NameRefused(claim.Name, claim.Client, Codes.NameTaken, outcome.Error ?? RegistryText.Taken(claim.Name)));
                break;
            case ClaimVerdict.Full:
                gateway.Tell(new NameRefused(claim.Name, claim.Client, Codes.Unavailable, RegistryText.Full));
                break;
            case ClaimVerdict.Unreachable:
                gateway.Tell(new NameRefused(claim.Name, claim.Client, Codes.Unavailable, outcome.Error ?? RegistryText.Unreachable));
                break;
        }
    }

    // A reserve's folded name: the accounts word the refusal (it is theirs: "differs only in case from ...").
    private void OnHoldFold(HoldFold m)
    {
        var outcome = _backend.HoldFold(m, Sender);
        if (outcome.Verdict != ClaimVerdict.Pending) FoldDecided(m, Sender, outcome);
    }

    public void FoldDecided(HoldFold hold, IActorRef replyTo, FoldOutcome outcome) => replyTo.Tell(outcome.Verdict switch
    {
        ClaimVerdict.Claimed => new FoldHeld(hold.Ticket, outcome.Handle),
        ClaimVerdict.Taken => new FoldRefused(hold.Ticket, Codes.NameTaken, outcome.Holder),
        _ => new FoldRefused(hold.Ticket, Codes.Unavailable, null),
    });

    private void Release(ClaimHandle claim, string name, string reason, bool served)
    {
        _broadcasters.Remove(name);
        bool released;
        try
        {
            released = _backend.Release(claim, name, reason);
        }
        catch (Exception ex) when (_backend.Classify(ex) is var fault && fault != Fault.None)
        {
            OnFault(ex, fault); // nobody waits on a release: the claim is reaped with its node if it stays
            return;
        }
        if (!released) return;
        if (_live.Remove(claim.Key, out var e) && served) _summary.Record(e.Name, e.Counter.Requests, e.Since);
        Log.Debug("name {0} freed ({1})", name, reason); // the session's "ended" line says it once
    }

    // ---- routing ----

    // A direct message goes to the recipient's node; its session answers the sender's session (or this node's relay address).
    private void OnRouteTell(RouteTell m)
    {
        var node = _backend.NodeOf(m.To);
        if (node is null) m.Session.Tell(new RouteResult(m.Id, Codes.NotOnline, _backend.NotOnlineWhy(m.To) ?? RegistryText.NotOnline(m.To), 0));
        else if (node != _node && _router.Full(node) is { } full) m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, RegistryText.NodeFull(full), 0));
        else if (node == _node) _localGateway.Tell(new Deliver(m.Id, m.From, m.To, m.Text, m.Session, m.MsgId, m.TimeMs), Self);
        else _router.Deliver(node, new Deliver(_relays.Add(m.Session, m.Id), m.From, m.To, m.Text, _router.ReplyAddress, m.MsgId, m.TimeMs));
    }

    // A broadcast or room message goes to every node; each hands it to its own sessions. Other nodes answer drops to
    // the router's address, never to the session.
    private void OnRouteFanout(RouteFanout m)
    {
        var census = _backend.Census();
        // Refused before it reaches anyone while a node's link is full (the session checked too, before keeping it).
        foreach (var node in census.Nodes)
            if (node != _node && _router.Full(node) is { } full)
            {
                m.Session.Tell(new RouteResult(m.Id, Codes.Unavailable, RegistryText.NodeFull(full), 0, m.Room));
                return;
            }
        _broadcasters[m.From] = m.Session;
        var local = new Fanout(m.From, m.Room, m.Text, m.Session, m.MsgId, m.TimeMs);
        DeliverHere(local);
        _router.Fanout(local with { ReplyTo = _router.ReplyAddress }, census.Nodes);
        m.Session.Tell(new RouteResult(m.Id, Codes.Ok, null, m.Room is null ? Math.Max(0, census.Clients - 1) : 0, m.Room));
    }

    private void OnRelayAnswer(Delivered m) => _relays.Answer(m);

    public void DeliverHere(ISwitchboardMessage message)
    {
        switch (message)
        {
            case Deliver d: _localGateway.Tell(d, Self); break;
            case Fanout f: (f.Room is null ? _localGateway : _localRooms).Tell(f, Self); break;
        }
    }

    public void Announce(PresenceChanged change) => _localGateway.Tell(change, Self);

    public void NumbersAvailable()
    {
        Stash.UnstashAll();
        foreach (var session in _waiters) session.Tell(NumbersReady.Instance);
        _waiters.Clear();
    }

    private void Wait() => Stash.Stash();

    private void OnTick()
    {
        _relays.Tick();
        _backend.Tick();
    }

    private void OnBackendMessage(object message)
    {
        switch (_backend.Handle(message, Sender))
        {
            case Handled.NotYet: Wait(); break;
            case Handled.Unknown: Unhandled(message); break;
        }
    }
}
