using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The cluster's implementation of the registry: it answers the same messages in <c>Protocol/</c> as the segment's
/// <c>StateActor</c>, so the gateway, sessions and rooms are unchanged.
/// <list type="bullet">
/// <item>Names are claimed from their sharded <see cref="NameEntityActor"/> (strongly consistent, one writer per name)
/// and re-asserted every interval, so an entity that restarts relearns them.</item>
/// <item>serverSeq comes from ranges leased from <see cref="SeqLeaseActor"/>: no cross-node hop per request.</item>
/// <item>Each node publishes its roster (DistributedPubSub); `who`, presence and DM routing read the copies.</item>
/// <item>Broadcasts and room messages are published to every node's registry, DMs to the recipient node's topic;
/// each registry hands them to its own gateway or rooms, which accept node traffic from their registry only.</item>
/// </list>
/// </summary>
public sealed class ClusterRegistryActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    public const string RosterTopic = "switchboard-roster";
    public const string FanoutTopic = "switchboard-fanout";

    private readonly ClusterSettings _settings;
    private readonly ServerSummary _summary;
    private readonly ClusterReadiness _readiness;
    private readonly string _node;
    private readonly string _nodeTopic;
    private readonly IActorRef _names;
    private readonly IActorRef _seq;
    private readonly IActorRef _mediator;
    private readonly NodeSide _side;
    private readonly Monitoring.SwitchboardMetrics? _metrics;
    private readonly ActorSelection _localGateway = Context.ActorSelection("/user/gateway");
    private readonly ActorSelection _localRooms = Context.ActorSelection("/user/rooms");
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _inbox = ActorRefs.Nobody;

    private readonly Dictionary<int, LiveClient> _live = new();
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<long, PendingClaim> _pending = new();

    // Other nodes answer relayed DMs and broadcasts to this node's inbox, never to a session.
    private readonly RelayBook _relays;
    private int _nextIndex;
    private long _claims;
    private long _totalRequests, _totalRegistrations;

    // serverSeq: the range in use [_seqNext, _seqEnd) and the next one, leased ahead when half is used.
    private long _seqNext, _seqEnd;
    private (long First, long Count)? _nextRange;
    private bool _leasing;

    // Other nodes' clients, by node; only nodes that are members are kept.
    private readonly Dictionary<string, (long Version, Dictionary<string, RosterEntry> Clients)> _rosters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly long _rosterBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
    private long _rosterVersion;
    private bool _rosterDirty = true;
    private int _rosterTicks;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public ClusterRegistryActor(ClusterSettings settings, ServerSummary summary, ClusterReadiness readiness, string node, NodeSide side,
        Monitoring.SwitchboardMetrics? metrics = null)
    {
        _metrics = metrics;
        _settings = settings;
        _summary = summary;
        _readiness = readiness;
        _node = node;
        _nodeTopic = NodeTopic(node);
        _side = side;
        _relays = new RelayBook((int)Math.Ceiling(2 * settings.ClaimTimeout / settings.RosterInterval));
        _names = side.Names;
        _seq = side.Seq;
        _mediator = side.Mediator;

        Receive<ClaimName>(OnClaim);
        Receive<NameAnswer>(_ => FromNodes, OnAnswer);
        Receive<SeqLeased>(_ => FromNodes, OnLeased);
        Receive<CountAndReply>(OnCount);
        Receive<CountAndReplyBatch>(OnCountBatch);
        Receive<ReleaseAndReply>(OnReleaseAndReply);
        Receive<ReleaseName>(m => Release(m.Slot, m.Reason));
        Receive<WhoQuery>(OnWho);
        Receive<CountAndListRooms>(OnCountAndListRooms);
        Receive<RouteTell>(OnRouteTell);
        Receive<RouteFanout>(OnRouteFanout);
        Receive<GetSnapshot>(_ => Sender.Tell(Snapshot()));

        // From the other nodes, through the node side's agent (topics only it subscribes to, and membership).
        Receive<NodeRoster>(_ => FromNodes, OnRoster);
        Receive<Relayed>(_ => FromNodes, OnRelayed);
        Receive<Delivered>(_ => FromNodes, OnRelayAnswer);
        Receive<FanoutDropped>(_ => FromNodes, OnFanoutDropped);
        Receive<ClusterEvent.MemberUp>(_ => FromNodes, m => MemberSeen(m.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(_ => FromNodes, m => MemberSeen(m.Member));
        Receive<ClusterEvent.MemberRemoved>(_ => FromNodes, m => MemberGone(m.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });

        Receive<Tick>(_ => OnTick());
        Receive<Reassert>(_ => OnReassert());
        Receive<ClaimExpired>(OnClaimExpired);
        Receive<LeaseExpired>(_ => { _leasing = false; EnsureLease(); });
    }

    public static Props Props(ClusterSettings settings, ServerSummary summary, ClusterReadiness readiness, string node, NodeSide side,
        Monitoring.SwitchboardMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new ClusterRegistryActor(settings, summary, readiness, node, side, metrics));

    public static string NodeTopic(string node) => "switchboard-node-" + node;

    private bool FromNodes => Sender.Equals(_inbox);

    protected override void PreStart()
    {
        // In the node side's system on purpose (not a child): that system alone is reachable by the other nodes.
#pragma warning disable AK1008
        _inbox = _side.System.ActorOf(ClusterInboxActor.Props(Self, _mediator, [RosterTopic, FanoutTopic, _nodeTopic]), Capability.NewName("inbox-"));
#pragma warning restore AK1008
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.RosterInterval);
        Timers.StartPeriodicTimer("reassert", Reassert.Instance, _settings.ReassertInterval);
        EnsureLease();
    }

    protected override void PostStop()
    {
        _side.System.Stop(_inbox);
        foreach (var c in _live.Values) _summary.Record(c.Name, c.Requests);
        _live.Clear();
        _summary.Complete();
    }

    // ---- names ----

    private void OnClaim(ClaimName m)
    {
        // The claim's token orders registrations roughly by time across nodes (presence: who came after whom).
        var token = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1024 + (++_claims & 1023);
        _pending[token] = new PendingClaim(m.Name, m.Client, Sender);
        Timers.StartSingleTimer(("claim", token), new ClaimExpired(token), _settings.ClaimTimeout);
        _names.Tell(new NameClaim(m.Name, _node, token, _inbox, Reassert: false), _inbox);
    }

    private void OnClaimExpired(ClaimExpired e)
    {
        if (!_pending.Remove(e.Token, out var p)) return;
        _log.Warning("claim of '{0}' not answered within {1}", p.Name, _settings.ClaimTimeout);
        p.Gateway.Tell(new NameRefused(p.Name, p.Client, Codes.Unavailable, "name registry not reachable, try again"));
    }

    private void OnAnswer(NameAnswer m)
    {
        if (_pending.TryGetValue(m.Token, out var p))
        {
            if (m.Verdict == NameVerdict.Granted)
            {
                // The registration reply needs a serverSeq: wait for a range if none is left.
                if (!TryNextSeq(out var seq))
                {
                    Stash.Stash();
                    return;
                }
                _pending.Remove(m.Token);
                Timers.Cancel(("claim", m.Token));
                Granted(p, m.Token, seq);
            }
            else
            {
                _pending.Remove(m.Token);
                Timers.Cancel(("claim", m.Token));
                p.Gateway.Tell(new NameRefused(p.Name, p.Client, Codes.NameTaken, $"name '{p.Name}' is already taken"));
            }
            return;
        }
        if (m.Verdict == NameVerdict.Lost && _byName.TryGetValue(m.Name, out var index) && _live[index].Token == m.Token)
        {
            // Only if an entity granted the name while this claim was not re-asserted (should not happen): give up ours.
            _log.Warning("name {0} was granted elsewhere; this node's session of it ends", m.Name);
            _live[index].Lost = true;
            _byName.Remove(m.Name);
            Changed(null, Entry(_live[index]));
            return;
        }
        if (m.Verdict == NameVerdict.Granted && !Owns(m.Name, m.Token))
            _names.Tell(new NameRelease(m.Name, _node, m.Token), _inbox); // a late grant of a claim that timed out
    }

    private bool Owns(string name, long token) => _byName.TryGetValue(name, out var i) && _live[i].Token == token;

    private void Granted(PendingClaim p, long token, long seq)
    {
        var index = _nextIndex++;
        var client = new LiveClient(p.Name, token, DateTimeOffset.UtcNow);
        _live[index] = client;
        _byName[p.Name] = index;
        _totalRegistrations++;
        p.Gateway.Tell(new NameClaimed(p.Name, p.Client, new SlotHandle(index, token), new SeqPair(1, seq)));
        Changed(Entry(client), null);
    }

    private void OnReassert()
    {
        foreach (var c in _live.Values)
            if (!c.Lost) _names.Tell(new NameClaim(c.Name, _node, c.Token, _inbox, Reassert: true), _inbox);
    }

    private void Release(SlotHandle slot, string reason)
    {
        if (!_live.Remove(slot.Index, out var c) || c.Token != slot.Token)
        {
            if (c is not null) _live[slot.Index] = c;
            return;
        }
        _summary.Record(c.Name, c.Requests);
        if (c.Lost) return;
        _byName.Remove(c.Name);
        _relays.Forget(c.Name);
        _names.Tell(new NameRelease(c.Name, _node, c.Token), _inbox);
        _log.Info("name {0} freed ({1})", c.Name, reason);
        Changed(null, Entry(c));
    }

    // ---- counted replies ----

    private LiveClient? Live(SlotHandle slot) =>
        _live.TryGetValue(slot.Index, out var c) && c.Token == slot.Token && !c.Lost ? c : null;

    /// <summary>Counts one reply; false when it was stashed (no serverSeq left) or answered already.</summary>
    private bool Count(SlotHandle slot, IActorRef client, long id, out SeqPair seq)
    {
        seq = default;
        if (Live(slot) is not { } c)
        {
            client.Tell(LostReplies.For(id));
            _metrics?.Answered(Codes.Unavailable);
            Sender.Tell(RegistrationLost.Instance);
            return false;
        }
        if (!TryNextSeq(out var serverSeq))
        {
            Stash.Stash();
            return false;
        }
        c.Requests++;
        _totalRequests++;
        seq = new SeqPair(c.Requests + 1, serverSeq);
        return true;
    }

    // Only signed relays from the topics: the gateway and rooms take Deliver/Fanout from this registry alone.
    private void OnRelayed(Relayed r)
    {
        if (r.Origin == _node) return; // the topic's copy of this node's own broadcast, delivered already
        switch (r.Inner)
        {
            case Deliver d: _localGateway.Tell(d, Self); break;
            case Fanout f: (f.Room is null ? _localGateway : _localRooms).Tell(f, Self); break;
        }
    }

    private void OnCount(CountAndReply m)
    {
        if (!Count(m.Slot, m.Client, m.Id, out var seq)) return;
        var o = m.Outcome;
        m.Client.Tell(new Reply(m.Id, o.Code, seq.ClientSeq, seq.ServerSeq, o.Value, o.Error));
        _metrics?.Answered(o.Code, m.Started);
    }

    // A batch is counted whole or not at all: it waits (stashed) until the leased ranges hold a number for each reply.
    private void OnCountBatch(CountAndReplyBatch m)
    {
        var n = m.Replies.Length;
        if (n == 0) return;
        if (Live(m.Slot) is not { } c)
        {
            foreach (var a in m.Replies) m.Client.Tell(LostReplies.For(a.Id));
            Sender.Tell(RegistrationLost.Instance);
            return;
        }
        if (_seqEnd - _seqNext + (_nextRange?.Count ?? 0) < n)
        {
            EnsureLease();
            Stash.Stash();
            return;
        }
        var replies = new Reply[n];
        for (var i = 0; i < n; i++)
        {
            TryNextSeq(out var serverSeq);
            c.Requests++;
            var (id, o) = m.Replies[i];
            replies[i] = new Reply(id, o.Code, c.Requests + 1, serverSeq, o.Value, o.Error);
            _metrics?.Answered(o.Code);
        }
        _totalRequests += n;
        m.Client.Tell(new ReplyBatch(replies));
    }

    private void OnReleaseAndReply(ReleaseAndReply m)
    {
        if (Live(m.Slot) is null)
        {
            m.Client.Tell(new Reply(m.Id, Codes.Ok, 0, 0, OpValue.Of("unregistered"), null));
            return;
        }
        if (!Count(m.Slot, m.Client, m.Id, out var seq)) return;
        Release(m.Slot, "unregistered");
        m.Client.Tell(new Reply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, OpValue.Of("unregistered"), null));
        _metrics?.Answered(Codes.Ok);
    }

    private void OnWho(WhoQuery m)
    {
        if (!Count(m.Slot, m.Client, m.Id, out var seq)) return;
        var clients = Everyone()
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new PresenceEntry(c.Name, c.Node, c.Since.ToUnixTimeMilliseconds()))
            .ToArray();
        m.Client.Tell(new WhoReply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, clients, null));
        _metrics?.Answered(Codes.Ok);
    }

    private void OnCountAndListRooms(CountAndListRooms m)
    {
        if (!Count(m.Slot, m.Client, m.Id, out var seq)) return;
        m.Client.Tell(new RoomsReply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, m.Rooms, null));
        _metrics?.Answered(Codes.Ok);
    }

    // ---- serverSeq ranges ----

    private bool TryNextSeq(out long seq)
    {
        if (_seqNext >= _seqEnd && _nextRange is { } next)
        {
            (_seqNext, _seqEnd) = (next.First, next.First + next.Count);
            _nextRange = null;
        }
        if (_seqNext >= _seqEnd)
        {
            EnsureLease();
            seq = 0;
            return false;
        }
        seq = _seqNext++;
        if (_nextRange is null && _seqEnd - _seqNext < _settings.SeqLease / 2) EnsureLease();
        return true;
    }

    private void EnsureLease()
    {
        if (_leasing || _nextRange is not null) return;
        _leasing = true;
        _seq.Tell(new LeaseSeq(_inbox, _settings.SeqLease), _inbox);
        Timers.StartSingleTimer("lease", LeaseExpired.Instance, _settings.ClaimTimeout);
    }

    private void OnLeased(SeqLeased m)
    {
        _leasing = false;
        Timers.Cancel("lease");
        if (_seqNext >= _seqEnd) (_seqNext, _seqEnd) = (m.First, m.First + m.Count);
        else _nextRange = (m.First, m.Count);
        if (!_readiness.WhenReady.IsCompleted) _log.Info("serverSeq range {0}..{1} leased", m.First, m.First + m.Count - 1);
        _readiness.Ready();
        Stash.UnstashAll();
    }

    // ---- routing ----

    private void OnRouteTell(RouteTell m)
    {
        if (_byName.ContainsKey(m.To)) _localGateway.Tell(new Deliver(m.Id, m.From, m.To, m.Text, m.Session), Self);
        else if (NodeOfClient(m.To) is { } node)
        {
            var relay = _relays.Add(m.Session, m.Id);
            _mediator.Tell(new Publish(NodeTopic(node), new Relayed(new Deliver(relay, m.From, m.To, m.Text, _inbox), _node)), _inbox);
        }
        else m.Session.Tell(new RouteResult(m.Id, Codes.NotOnline, $"{m.To} is not online", 0));
    }

    private void OnFanoutDropped(FanoutDropped d) => _relays.SenderOf(d.From)?.Tell(d);

    private void OnRelayAnswer(Delivered m)
    {
        if (_relays.Take(m.Id) is var (session, id)) session.Tell(new Delivered(id, m.Code, m.Error));
    }

    private string? NodeOfClient(string name)
    {
        foreach (var (node, roster) in _rosters)
            if (roster.Clients.ContainsKey(name)) return node;
        return null;
    }

    private void OnRouteFanout(RouteFanout m)
    {
        _relays.Broadcasting(m.From, m.Session);
        // Published to every registry; each hands it to its own gateway or rooms (this one's copy is skipped: see OnRelayed).
        // This node's own clients hear of drops directly; the other nodes answer drops to the inbox, not to a session.
        var fanout = new Fanout(m.From, m.Room, m.Text, m.Session);
        (m.Room is null ? (ICanTell)_localGateway : _localRooms).Tell(fanout, Self);
        _mediator.Tell(new Publish(FanoutTopic, new Relayed(fanout with { ReplyTo = _inbox }, _node)), _inbox);
        var clients = _byName.Count + _rosters.Values.Sum(r => r.Clients.Count);
        m.Session.Tell(new RouteResult(m.Id, Codes.Ok, null, m.Room is null ? Math.Max(0, clients - 1) : 0, m.Room));
    }

    // ---- rosters, presence, members ----

    private void OnTick()
    {
        _relays.Tick();
        // A change goes out at the next tick; an unchanged roster is repeated now and then for nodes that missed one.
        if (!_rosterDirty && ++_rosterTicks % 8 != 0) return;
        _rosterDirty = false;
        var entries = _live.Values.Where(c => !c.Lost).Select(c => new RosterEntry(c.Name, c.Since.ToUnixTimeMilliseconds(), c.Token)).ToArray();
        _mediator.Tell(new Publish(RosterTopic, new NodeRoster(_node, _rosterBase + ++_rosterVersion, entries)), _inbox);
    }

    private void OnRoster(NodeRoster m)
    {
        if (m.Node == _node || !_members.Contains(m.Node)) return;
        var had = _rosters.TryGetValue(m.Node, out var old);
        if (had && old.Version >= m.Version) return;
        var now = new Dictionary<string, RosterEntry>(m.Entries.Length, StringComparer.Ordinal);
        foreach (var e in m.Entries)
            if (Limits.NameError(e.Name) is null) now[e.Name] = e;
        var before = had ? old.Clients : [];
        _rosters[m.Node] = (m.Version, now);
        var joined = now.Values.Where(e => !before.ContainsKey(e.Name)).Select(e => Entry(m.Node, e)).ToList();
        var left = before.Values.Where(e => !now.ContainsKey(e.Name)).Select(e => Entry(m.Node, e)).ToList();
        Announce(joined, left);
    }

    private void MemberSeen(Member member)
    {
        var node = NodeSide.FrontOf(member);
        if (node != _node && _members.Add(node)) _rosterDirty = true; // tell the newcomer who is here
    }

    private void MemberGone(Member member)
    {
        var node = NodeSide.FrontOf(member);
        _members.Remove(node);
        if (!_rosters.Remove(node, out var roster)) return;
        _log.Info("node {0} left the cluster with {1} client(s)", node, roster.Clients.Count);
        Announce([], [.. roster.Clients.Values.Select(e => Entry(node, e))]);
    }

    private void Changed(ClientEntry? joined, ClientEntry? left)
    {
        _rosterDirty = true;
        Announce(joined is null ? [] : [joined], left is null ? [] : [left]);
    }

    private void Announce(IReadOnlyList<ClientEntry> joined, IReadOnlyList<ClientEntry> left)
    {
        if (joined.Count + left.Count == 0) return;
        _localGateway.Tell(new PresenceChanged(joined, left, new HashSet<string>(_members.Append(_node), StringComparer.Ordinal)), Self);
    }

    private IEnumerable<ClientEntry> Everyone() =>
        _live.Values.Where(c => !c.Lost).Select(Entry)
            .Concat(_rosters.SelectMany(r => r.Value.Clients.Values.Select(e => Entry(r.Key, e))));

    private ClientEntry Entry(LiveClient c) => new(c.Name, _node, c.Requests, c.Since, c.Token);

    private static ClientEntry Entry(string node, RosterEntry e) =>
        new(e.Name, node, 0, DateTimeOffset.FromUnixTimeMilliseconds(e.SinceMs), e.Claim);

    private StateSnapshot Snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        var nodes = _members.Append(_node).Order(StringComparer.Ordinal)
            .Select(n => new NodeEntry(n, n == _node ? Environment.ProcessId : 0, true, now, now)).ToList();
        return new StateSnapshot(nodes, [.. Everyone()], Math.Max(0, _seqNext - 1), _totalRequests, _totalRegistrations);
    }

    private sealed class LiveClient(string name, long token, DateTimeOffset since)
    {
        public string Name { get; } = name;
        public long Token { get; } = token;
        public DateTimeOffset Since { get; } = since;
        public long Requests { get; set; }
        public bool Lost { get; set; }
    }

    private sealed record PendingClaim(string Name, IActorRef Client, IActorRef Gateway);

    private sealed record ClaimExpired(long Token);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Reassert
    {
        public static readonly Reassert Instance = new();
    }

    private sealed record LeaseExpired
    {
        public static readonly LeaseExpired Instance = new();
    }
}
