using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Switchboard.Server.History;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The registry's backend in a cluster:
/// <list type="bullet">
/// <item>Names are claimed from their sharded <see cref="NameEntityActor"/> (strongly consistent, one writer per name)
/// and re-asserted every interval, so an entity that restarts relearns them. A claim is decided later
/// (<see cref="ClaimVerdict.Pending"/>), or refused 503 when no entity answers in time.</item>
/// <item>serverSeq comes from ranges leased from <see cref="SeqLeaseActor"/> (<see cref="SeqRanges"/>): no cross-node
/// hop per request; with no number left it answers "not yet" and the core waits for the next range.</item>
/// <item>Each node publishes its roster (DistributedPubSub) every tick it changed; `who`, presence and DM routing read
/// the copies (<see cref="Rosters"/>), and sessions send DMs for other nodes' clients to those nodes' inboxes
/// themselves (<see cref="NodeDirectory"/>).</item>
/// </list>
/// Node traffic reaches it only through its inbox on the node side (<see cref="ClusterInboxActor"/>): anything else
/// that claims to be node traffic is not handled.
/// </summary>
public sealed class ClusterBackend : IRegistryBackend
{
    private readonly ClusterSettings _settings;
    private readonly ClusterReadiness _readiness;
    private readonly Func<bool>? _serving;
    private readonly string _node;
    private readonly NodeSide _side;
    private readonly LocalSessions _local;
    private readonly NodeDirectory? _directory;
    private readonly SeqRanges _seq;
    private readonly Rosters _rosters;
    private readonly Dictionary<int, LiveClient> _live = new();
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (ClaimName Claim, IActorRef Gateway)> _pending = new();
    // Reserves' folded names: asked for, and held (by token: the entity id, re-asserted like the names).
    private readonly Dictionary<long, (HoldFold Hold, IActorRef ReplyTo)> _pendingHolds = new();
    private readonly Dictionary<long, string> _holds = new();
    // Members that stopped answering, and those removed less than a claim timeout ago (client-facing addresses): a claim
    // refused or unanswered meanwhile most likely met a name held there or a shard that lived there, and its refusal
    // says so rather than "already taken" (a reconnecting client's own name, held by its dead node) or a bare 503.
    private readonly LostNodes _lost = new();
    private readonly long _rosterBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
    private IRegistryCore _core = null!;
    private IActorRef _inbox = ActorRefs.Nobody;
    private NodeLinks? _links;
    private int _nextKey;
    private long _claims, _totalRegistrations, _rosterVersion;
    private bool _rosterDirty = true;
    // The node has begun to stop (StopServing): its roster is empty from then on.
    private bool _stopping;
    private int _rosterTicks;
    // This node's own joins and leaves since the last tick, announced together (see Changed).
    private readonly Dictionary<string, ClientEntry> _joined = new(StringComparer.Ordinal), _left = new(StringComparer.Ordinal);

    /// <param name="local">This node's sessions, where the inbox hands other nodes' DMs.</param>
    /// <param name="directory">The sessions' way to other nodes' clients, kept here from the rosters; null: every DM
    /// for another node goes through this registry.</param>
    /// <param name="serving">Whether the node serves clients yet (Up, its first serverSeq range, with --db its store's
    /// claim: what "listening on" waits for); null: always.</param>
    public ClusterBackend(ClusterSettings settings, ClusterReadiness readiness, string node, NodeSide side, LocalSessions local,
        NodeDirectory? directory = null, Func<bool>? serving = null)
    {
        _serving = serving;
        _settings = settings;
        _readiness = readiness;
        _node = node;
        _side = side;
        _local = local;
        _directory = directory;
        _seq = new SeqRanges(settings.SeqLease);
        _rosters = new Rosters(node, directory);
    }

    public TimeSpan TickInterval => _settings.RosterInterval;

    public TimeSpan RelayHorizon => 2 * _settings.ClaimTimeout;

    public INodeRouter Attach(IRegistryCore core)
    {
        _core = core;
        // In the node side's system on purpose (not a child): that system alone is reachable by the other nodes.
#pragma warning disable AK1008
        _links = new NodeLinks(_side.System, _node);
        _inbox = _side.System.ActorOf(ClusterInboxActor.Props(core.Self, _side.Mediator,
            [PubSubRouter.RosterTopic, PubSubRouter.FanoutTopic, PubSubRouter.NodeTopic(_node)], _local, core.Relays, _links).WithDispatcher(_links.Dispatcher),
            Capability.NewName("inbox-"));
#pragma warning restore AK1008
        _links.Attach(_inbox);
        _directory?.Attach(_inbox, core.Relays, _links);
        core.Timers.StartPeriodicTimer("reassert", Reassert.Instance, _settings.ReassertInterval);
        // Ctrl-C or SIGTERM: before the sessions end (the first phase), the others hear that this node's clients are gone.
        var self = core.Self;
        CoordinatedShutdown.Get(core.System).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "stop-serving-the-cluster",
            () => self.Ask<Done>(StopServing.Instance, StopServingWait).ContinueWith(_ => Done.Instance, TaskContinuationOptions.ExecuteSynchronously));
        EnsureLease();
        return new PubSubRouter(_side.Mediator, _inbox, _node, Security.PeerAddresses.For(_side.System).Queues);
    }

    public void Detach()
    {
        _directory?.Detach();
        if (_stopping)
        {
            // Its names are freed now, not when the inbox stops with the node side: a client of this node takes its name
            // again on another node at once. The inbox and the links stop with the node side (StopServing says why).
            foreach (var c in _live.Values)
                if (!c.Lost) _side.Names.Tell(new NameRelease(c.Name, _node, c.Token), _inbox);
            foreach (var (token, key) in _holds) _side.Names.Tell(new NameRelease(key, _node, token), _inbox);
            return;
        }
        _links?.Clear();
        _side.System.Stop(_inbox);
    }

    // How long the shutdown waits for the registry to have said so (it answers at once unless it has stopped).
    private static readonly TimeSpan StopServingWait = TimeSpan.FromSeconds(2);

    // This node has begun to stop. Its sessions end next, and then its registry, while the node side leaves the cluster
    // only after that (~4 s later its removal reached the others): a DM to one of its clients meanwhile went to a stopped
    // inbox and waited out the delivery timeout (5 s, "the recipient's node did not answer"; a kept DM to a reserved name
    // was held then, and could come twice, live and at the next login), and `who` listed its clients. Now an empty roster
    // goes out at once (the others drop its clients from `who` and their directories, and announce them left), and until
    // the others have it the inbox answers their DMs "not online" (ClusterInboxActor.Leave) instead of handing them on.
    private void OnStopServing()
    {
        if (_stopping) return;
        _stopping = true;
        _inbox.Tell(new NodeStopping(_node));
        PublishRoster();
    }

    // ---- names ----

    public ClaimOutcome Claim(ClaimName claim, IActorRef gateway)
    {
        // A name taken before the node serves could be taken on a node then refused (its --seeds formed a second
        // cluster on the same database): reserved alice online in two clusters for as long.
        if (_serving is not null && !_serving()) return new ClaimOutcome(ClaimVerdict.Unreachable, Error: RegistryText.NodeStarting(_node));
        if (_live.Count + _pending.Count >= _settings.MaxClients) return new ClaimOutcome(ClaimVerdict.Full);
        // The claim's token orders registrations roughly by time across nodes (presence: who came after whom).
        var token = NewToken();
        _pending[token] = (claim, gateway);
        _core.Timers.StartSingleTimer(("claim", token), new ClaimExpired(token), _settings.ClaimTimeout);
        _side.Names.Tell(new NameClaim(claim.Name, _node, token, _inbox, Reassert: false, claim.Key, claim.Presented), _inbox);
        return ClaimOutcome.Pending;
    }

    private long NewToken() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1024 + (++_claims & 1023);

    /// <summary>The entity of a folded name: one id for every case variant, and never a client name (no ':' in those).</summary>
    public static string FoldKey(string name) => "fold:" + name.ToLowerInvariant();

    // A reserve's folded name is a name entity of its own: one holder in the whole cluster, freed with its node.
    public FoldOutcome HoldFold(HoldFold hold, IActorRef replyTo)
    {
        var token = NewToken();
        _pendingHolds[token] = (hold, replyTo);
        _core.Timers.StartSingleTimer(("hold", token), new HoldExpired(token), _settings.ClaimTimeout);
        _side.Names.Tell(new NameClaim(FoldKey(hold.Name), _node, token, _inbox, Reassert: false), _inbox);
        return FoldOutcome.Pending;
    }

    public bool ReleaseFold(ClaimHandle hold, string name)
    {
        if (!_holds.Remove(hold.Token, out var key)) return false;
        _side.Names.Tell(new NameRelease(key, _node, hold.Token), _inbox);
        return true;
    }

    private void OnHoldExpired(HoldExpired e)
    {
        if (!_pendingHolds.Remove(e.Token, out var p)) return;
        _core.Log.Warning("hold of '{0}' for a reserve not answered within {1}", FoldKey(p.Hold.Name), _settings.ClaimTimeout);
        _core.FoldDecided(p.Hold, p.ReplyTo, new FoldOutcome(ClaimVerdict.Unreachable));
    }

    // The holder's name is not the entity's to tell: the accounts word the refusal without it.
    private bool OnHoldAnswer(NameAnswer m)
    {
        if (_pendingHolds.Remove(m.Token, out var p))
        {
            _core.Timers.Cancel(("hold", m.Token));
            if (m.Verdict == NameVerdict.Granted) _holds[m.Token] = m.Name;
            _core.FoldDecided(p.Hold, p.ReplyTo, m.Verdict == NameVerdict.Granted
                ? new FoldOutcome(ClaimVerdict.Claimed, new ClaimHandle(-1, m.Token))
                : new FoldOutcome(ClaimVerdict.Taken));
            return true;
        }
        if (!_holds.TryGetValue(m.Token, out var key) || key != m.Name) return false;
        if (m.Verdict != NameVerdict.Granted) _holds.Remove(m.Token); // granted elsewhere meanwhile: nothing to release
        return true;
    }

    private void OnClaimExpired(ClaimExpired e)
    {
        if (!_pending.Remove(e.Token, out var p)) return;
        _core.Log.Warning("claim of '{0}' not answered within {1}", p.Claim.Name, _settings.ClaimTimeout);
        _core.Decided(p.Claim, p.Gateway, new ClaimOutcome(ClaimVerdict.Unreachable,
            Error: _lost.Recent is { } nodes ? RegistryText.UnreachableLostNode(nodes) : null));
    }

    private Handled OnAnswer(NameAnswer m)
    {
        if (OnHoldAnswer(m)) return Handled.Done;
        if (_pending.TryGetValue(m.Token, out var p))
        {
            var outcome = new ClaimOutcome(ClaimVerdict.Taken,
                Error: _rosters.NodeOf(m.Name) is { } holder && _lost.Has(holder) ? RegistryText.TakenOnLostNode(m.Name, holder) : null);
            if (m.Verdict == NameVerdict.Granted)
            {
                // The registration reply needs a serverSeq: wait for a range if none is left.
                if (!TryNextSeq(out var seq)) return Handled.NotYet;
                outcome = Granted(p.Claim, m.Token, seq);
            }
            _pending.Remove(m.Token);
            _core.Timers.Cancel(("claim", m.Token));
            _core.Decided(p.Claim, p.Gateway, outcome);
            // Announced (and listed in the roster) once its session started: a refused password is nobody's news.
            return Handled.Done;
        }
        if (m.Verdict == NameVerdict.Lost && _byName.TryGetValue(m.Name, out var key) && _live[key].Token == m.Token)
        {
            // Its client reconnected (here or on another node) presenting this session's key, and has the name now; or an
            // entity granted it while this claim was not re-asserted (should not happen). The session ends at once: one
            // name, one session (it would otherwise end at its next reply).
            _core.Log.Info("name {0} is another registration's now; this node's session of it ends", m.Name);
            _live[key].Lost = true;
            _live[key].Counter.Lose();
            _byName.Remove(m.Name);
            if (_live[key].Served) Changed(null, Entry(_live[key]));
            if (_local.TryGet(m.Name, out var session)) session.Tell(new ClaimLost(m.Token), _core.Self);
            return Handled.Done;
        }
        if (m.Verdict == NameVerdict.Granted && !(_byName.TryGetValue(m.Name, out var i) && _live[i].Token == m.Token))
        {
            // A late grant of a claim that timed out (its shard was on a node being lost): a claim of the same name waiting
            // here, its client trying again, takes it. Released, it refused that claim 409 "already taken" first, and the
            // client came back one backoff (5 s) later (hC's kill of the oldest node: back 19.4 s after it).
            if (!_byName.ContainsKey(m.Name) && Waiting(m.Name) is { } again && TryNextSeq(out var seq))
            {
                var waiting = _pending[again];
                _pending.Remove(again);
                _core.Timers.Cancel(("claim", again));
                _core.Decided(waiting.Claim, waiting.Gateway, Granted(waiting.Claim, m.Token, seq));
            }
            else _side.Names.Tell(new NameRelease(m.Name, _node, m.Token), _inbox);
        }
        return Handled.Done;
    }

    private long? Waiting(string name)
    {
        foreach (var (token, p) in _pending)
            if (p.Claim.Name == name) return token;
        return null;
    }

    private ClaimOutcome Granted(ClaimName claim, long token, long seq)
    {
        var key = _nextKey++;
        var counter = new LeasedCounter(_seq, _core.Self);
        _live[key] = new LiveClient(claim.Name, token, DateTimeOffset.UtcNow, counter) { Key = claim.Key };
        _byName[claim.Name] = key;
        _totalRegistrations++;
        return new ClaimOutcome(ClaimVerdict.Claimed, new ClaimHandle(key, token), new SeqPair(1, seq), counter);
    }

    private void OnReassert()
    {
        foreach (var c in _live.Values)
            if (!c.Lost) _side.Names.Tell(new NameClaim(c.Name, _node, c.Token, _inbox, Reassert: true, c.Key), _inbox);
        foreach (var (token, key) in _holds) _side.Names.Tell(new NameClaim(key, _node, token, _inbox, Reassert: true), _inbox);
    }

    public bool Release(ClaimHandle claim, string name, string reason)
    {
        if (!_live.TryGetValue(claim.Key, out var c) || c.Token != claim.Token) return false;
        _live.Remove(claim.Key);
        c.Counter.Lose();
        if (c.Lost) return true; // the name is another node's now
        _byName.Remove(c.Name);
        _side.Names.Tell(new NameRelease(c.Name, _node, c.Token), _inbox);
        if (c.Served) Changed(null, Entry(c));
        return true;
    }

    public void Served(ClaimHandle claim, string name)
    {
        if (!_live.TryGetValue(claim.Key, out var c) || c.Token != claim.Token || c.Served || c.Lost) return;
        c.Served = true;
        Changed(Entry(c), null);
    }

    // ---- counting: sessions take numbers from the leased ranges themselves (LeasedCounter) ----

    public bool NumbersWanted(int count)
    {
        if (_seq.Available >= count) return true;
        EnsureLease();
        return false;
    }

    private bool TryNextSeq(out long seq)
    {
        var got = _seq.TryNext(out seq);
        if (!got || _seq.Low) EnsureLease();
        return got;
    }

    private void EnsureLease()
    {
        if (!_seq.CanLease) return;
        _seq.Leasing = true;
        _side.Seq.Tell(new LeaseSeq(_inbox, _settings.SeqLease), _inbox);
        _core.Timers.StartSingleTimer("lease", LeaseExpired.Instance, _settings.ClaimTimeout);
    }

    private void OnLeased(SeqLeased m)
    {
        _core.Timers.Cancel("lease");
        _seq.Leased(m.First, m.Count);
        if (!_readiness.WhenReady.IsCompleted) _core.Log.Info("serverSeq range {0}..{1} leased", m.First, m.First + m.Count - 1);
        _readiness.Ready();
        _core.NumbersAvailable();
    }

    // ---- lookups ----

    public IReadOnlyList<ClientEntry> Everyone()
    {
        var everyone = new List<ClientEntry>(_byName.Count + _rosters.Clients);
        foreach (var c in _live.Values)
            if (!c.Lost) everyone.Add(Entry(c));
        _rosters.AddTo(everyone, _byName);
        return everyone;
    }

    public string? NodeOf(string name) => _byName.ContainsKey(name) ? _node : _rosters.ServingNodeOf(name);

    public string? NotOnlineWhy(string name) =>
        _rosters.SilentNodeOf(name) is { } node ? RegistryText.NotOnlineNodeSilent(name, node) : null;

    public Census Census() => new(_byName.Count + _rosters.Clients, _rosters.Nodes());

    public StateSnapshot Snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        var nodes = _rosters.Nodes().ConvertAll(n => new NodeEntry(n, n == _node ? Environment.ProcessId : 0, true, now, now));
        return new StateSnapshot(nodes, Everyone(), _seq.Last, _seq.Requests, _totalRegistrations);
    }

    // ---- rosters, presence, members ----

    public void Tick()
    {
        if (_joined.Count + _left.Count > 0)
        {
            Announce([.. _joined.Values], [.. _left.Values]);
            _joined.Clear();
            _left.Clear();
        }
        // A change goes out at the next tick; an unchanged roster is repeated now and then for nodes that missed one.
        if (!_rosterDirty && ++_rosterTicks % 8 != 0) return;
        PublishRoster();
    }

    private void PublishRoster()
    {
        _rosterDirty = false;
        var entries = _stopping ? []
            : _live.Values.Where(c => c is { Lost: false, Served: true }).Select(c => new RosterEntry(c.Name, c.Since.ToUnixTimeMilliseconds(), c.Token)).ToArray();
        _side.Mediator.Tell(new Publish(PubSubRouter.RosterTopic, new NodeRoster(_node, _rosterBase + ++_rosterVersion, entries, _inbox)), _inbox);
    }

    public Handled Handle(object message, IActorRef sender)
    {
        switch (message)
        {
            case ClaimExpired e: OnClaimExpired(e); return Handled.Done;
            case LostSettled s: _lost.Settled(s.Node); return Handled.Done;
            case HoldExpired e: OnHoldExpired(e); return Handled.Done;
            case Reassert: OnReassert(); return Handled.Done;
            case StopServing:
                OnStopServing();
                sender.Tell(Done.Instance);
                return Handled.Done;
            case LeaseExpired:
                _seq.Leasing = false;
                EnsureLease();
                return Handled.Done;
            case LeaseAhead:
                EnsureLease();
                return Handled.Done;
        }
        // From the other nodes, through the inbox alone (topics only it subscribes to, and membership).
        if (!sender.Equals(_inbox)) return Handled.Unknown;
        switch (message)
        {
            case NameAnswer m: return OnAnswer(m);
            case SeqLeased m: OnLeased(m); return Handled.Done;
            case NodeRoster m:
                var (joined, left) = _rosters.Apply(m);
                Announce(joined, left);
                return Handled.Done;
            // The topic's copy of this node's own broadcast was delivered here already.
            case Relayed r when r.Origin != _node: _core.DeliverHere(r.Inner); return Handled.Done;
            case Relayed: return Handled.Done;
            case ClusterEvent.MemberUp m: MemberSeen(m.Member); return Handled.Done;
            case ClusterEvent.MemberWeaklyUp m: MemberSeen(m.Member); return Handled.Done;
            case ClusterEvent.MemberRemoved m: MemberGone(m.Member); return Handled.Done;
            case ClusterEvent.UnreachableMember m:
                var front = NodeSide.FrontOf(m.Member);
                _lost.Lost(front);
                _core.Timers.Cancel(("lost", front));
                // Its clients cannot be reached: out of `who` and not online to a DM now, not when it is removed (~5 s later);
                // and the DMs already on their way to it are answered so now too, not at the end of the delivery timeout.
                Announce([], StillGone(_rosters.Silent(front)));
                _core.Relays.Lost(m.Member.Address, to => RegistryText.NotOnlineNodeSilent(to, front));
                return Handled.Done;
            case ClusterEvent.ReachableMember m:
                _lost.Settled(NodeSide.FrontOf(m.Member));
                Announce(_rosters.Answering(NodeSide.FrontOf(m.Member)), []);
                return Handled.Done;
            case ClusterEvent.IReachabilityEvent: return Handled.Done;
            case ClusterEvent.IMemberEvent: return Handled.Done;
            default: return Handled.Unknown;
        }
    }

    private void MemberSeen(Member member)
    {
        if (_rosters.MemberSeen(NodeSide.FrontOf(member), member.Address)) _rosterDirty = true; // tell the newcomer who is here
    }

    private void MemberGone(Member member)
    {
        var node = NodeSide.FrontOf(member);
        // A claim sent before the removal may still time out on the shard that lived there.
        if (_lost.Has(node)) _core.Timers.StartSingleTimer(("lost", node), new LostSettled(node), _settings.ClaimTimeout);
        var left = _rosters.MemberGone(node, out var wasSilent);
        if (left.Count == 0) return;
        _core.Log.Info("node {0} left the cluster with {1} client(s)", node, left.Count);
        if (!wasSilent) Announce([], StillGone(left)); // else announced when it stopped answering
    }

    // A lost node's clients whose names are nobody's now: one handed to its client's reconnect (here or on an answering
    // node) is online there, and is not announced as gone.
    private List<ClientEntry> StillGone(List<ClientEntry> left) => left.FindAll(e => NodeOf(e.Name) is null);

    // Announced at the next tick, all of them in one PresenceChanged, as a single host announces what changed between two
    // looks at its segment: one per join would have every local session tell its client of every join, N² remote
    // messages while N clients register (10,000 over three nodes did not finish). Who came and went within one tick was
    // never seen: the two cancel out, as between two looks.
    private void Changed(ClientEntry? joined, ClientEntry? left)
    {
        _rosterDirty = true;
        if (joined is not null && !_left.Remove(joined.Name)) _joined[joined.Name] = joined;
        if (left is not null && !_joined.Remove(left.Name)) _left[left.Name] = left;
    }

    private void Announce(IReadOnlyList<ClientEntry> joined, IReadOnlyList<ClientEntry> left)
    {
        if (joined.Count + left.Count == 0) return;
        _core.Announce(new PresenceChanged(joined, left, new HashSet<string>(_rosters.Nodes(), StringComparer.Ordinal)));
    }

    private ClientEntry Entry(LiveClient c) => new(c.Name, _node, c.Counter.Requests, c.Since, c.Token);

    // Nothing of the cluster registry is a segment's: a store fault cannot happen here.
    public Fault Classify(Exception ex) => Fault.None;

    private sealed class LiveClient(string name, long token, DateTimeOffset since, LeasedCounter counter)
    {
        public string Name { get; } = name;
        public long Token { get; } = token;
        public DateTimeOffset Since { get; } = since;
        public LeasedCounter Counter { get; } = counter;

        /// <summary>Its session's key, re-asserted with the claim (an entity started anew relearns it).</summary>
        public ClaimKey? Key { get; init; }
        public bool Lost { get; set; }

        /// <summary>Its session started (<see cref="Served"/>): in the roster and announced.</summary>
        public bool Served { get; set; }
    }

    // Internal: a spec delivers it itself instead of waiting for the timer (ClusterRegistrySpecs).
    internal sealed record ClaimExpired(long Token);

    private sealed record HoldExpired(long Token);

    // Internal: a spec delivers it itself instead of running the system's shutdown (ClusterRegistrySpecs).
    internal sealed record StopServing
    {
        public static readonly StopServing Instance = new();
    }

    private sealed record LostSettled(string Node);

    private sealed record Reassert
    {
        public static readonly Reassert Instance = new();
    }

    private sealed record LeaseExpired
    {
        public static readonly LeaseExpired Instance = new();
    }
}
