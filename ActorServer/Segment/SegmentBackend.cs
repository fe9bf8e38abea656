using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Segment;

/// <summary>
/// The registry's backend on the shared-memory segment (<see cref="IStateStore"/>, which the host creates, owns and
/// disposes): every call is one short synchronous critical section under the cross-process mutex, so the registry
/// runs on a pinned thread. A busy or broken segment throws and costs one request a 503; a segment cut short under the
/// node (<see cref="SegmentFault.Truncated"/>) can never be used again and stops the registry (and the node).
/// The tick heartbeats this node, reaps dead nodes and tells local sessions who came and went on any node.
/// </summary>
public sealed class SegmentBackend(IStateStore store, StateSettings settings, string node, string doorName) : IRegistryBackend
{
    /// <summary>Longer than any session's delivery timeout: a relay unanswered this long never will be.</summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromSeconds(60);

    private readonly PresenceTracker _presence = new();
    // This node's claims whose sessions have not started (a password being checked): not announced until they do, so a
    // refused login is never "joined" then "left" to everyone (a new user's trial). Other nodes of the segment cannot
    // tell, and announce such a claim if their look falls within its check.
    private readonly Dictionary<string, ClaimHandle> _unserved = new(StringComparer.Ordinal);
    // Fold holds whose release threw (a busy segment): freed at a later tick, or a case variant could never be reserved.
    private readonly HashSet<ClaimHandle> _unreleased = [];
    private IRegistryCore _core = null!;

    public TimeSpan TickInterval => settings.MaintainInterval;

    public TimeSpan RelayHorizon => Horizon;

    public INodeRouter Attach(IRegistryCore core)
    {
        _core = core;
        // Before this node sends anything to another: its row names the uid its handshakes carry, and the other nodes'
        // rows are what a peer claiming their addresses is checked against.
        _nodes = Security.PeerAddresses.For(core.System).Nodes;
        _nodes.Attach(store.NodeUids);
        PublishAkkaUid();
        var nodes = _nodes;
        return _router = new DoorRouter(core.System, core.Self, node, doorName, () => nodes.Refresh());
    }

    private DoorRouter? _router;
    private Security.NodeIdentities? _nodes;
    private bool _uidPublished;

    // A busy segment at start: published at a later tick (until then the other nodes take no handshake in this node's
    // name, this one's included).
    private void PublishAkkaUid()
    {
        if (_uidPublished) return;
        try
        {
            store.PublishAkkaUid(Akka.Remote.AddressUidExtension.Uid(_core.System));
            _uidPublished = true;
        }
        catch (Exception ex) when (Classify(ex) == Fault.Transient)
        {
            _core.Log.Warning("could not write this node's uid to the segment yet: {0}", ex.Message);
        }
    }

    public void Detach() { }

    public ClaimOutcome Claim(ClaimName claim, IActorRef gateway)
    {
        var r = store.Claim(claim.Name);
        var handle = new ClaimHandle(r.Slot.Index, r.Slot.Token);
        if (r.Status == ClaimStatus.Claimed) _unserved[claim.Name] = handle;
        return r.Status switch
        {
            ClaimStatus.Claimed => new ClaimOutcome(ClaimVerdict.Claimed, handle, r.Seq, store.CounterFor(r.Slot)),
            ClaimStatus.Taken => new ClaimOutcome(ClaimVerdict.Taken),
            _ => new ClaimOutcome(ClaimVerdict.Full),
        };
    }

    public FoldOutcome HoldFold(HoldFold hold, IActorRef replyTo)
    {
        var r = store.HoldFold(hold.Name);
        return r.Status switch
        {
            ClaimStatus.Claimed => new FoldOutcome(ClaimVerdict.Claimed, new ClaimHandle(r.Slot.Index, r.Slot.Token)),
            ClaimStatus.Taken => new FoldOutcome(ClaimVerdict.Taken, Holder: r.Holder),
            _ => new FoldOutcome(ClaimVerdict.Full),
        };
    }

    public bool ReleaseFold(ClaimHandle hold, string name)
    {
        _unreleased.Add(hold);
        var released = store.Release(Slot(hold));
        _unreleased.Remove(hold);
        return released;
    }

    // The segment's numbers never run out.
    public bool NumbersWanted(int count) => true;

    public bool Release(ClaimHandle claim, string name, string reason)
    {
        Forget(claim, name);
        return store.Release(Slot(claim));
    }

    public void Served(ClaimHandle claim, string name) => Forget(claim, name);

    private void Forget(ClaimHandle claim, string name)
    {
        if (_unserved.TryGetValue(name, out var pending) && pending == claim) _unserved.Remove(name);
    }

    public IReadOnlyList<ClientEntry> Everyone() => store.Snapshot().Clients;

    public string? NodeOf(string name) => store.TryFind(name, out var entry) ? entry.Node : null;

    public Census Census() => store.Census();

    public StateSnapshot Snapshot() => store.Snapshot();

    public void Tick()
    {
        foreach (var hold in _unreleased.ToList())
        {
            store.Release(Slot(hold));
            _unreleased.Remove(hold);
        }
        PublishAkkaUid();
        var reaped = store.Maintain();
        _nodes?.Refresh();
        if (reaped > 0) _core.Log.Warning("reaped {0} client(s) of dead node(s)", reaped);
        var snapshot = store.Snapshot();
        // A claim whose slot is gone (reaped, lost) is not waited for.
        if (_unserved.Count > 0)
            foreach (var name in _unserved.Keys.Where(n => !snapshot.Clients.Any(c => c.Name == n)).ToList()) _unserved.Remove(name);
        _core.Announce(_presence.Observe(snapshot, _unserved.Count == 0 ? null : _unserved.ContainsKey));
        // The uids as read by _nodes.Refresh above.
        if (_nodes is { } identities) _router?.Warm(snapshot.Nodes, identities.HasPublished);
    }

    // Other nodes' deliveries reach this node at its door, which hands them to the gateway or rooms directly.
    public Handled Handle(object message, IActorRef sender) => Handled.Unknown;

    public Fault Classify(Exception ex) => ex switch
    {
        SegmentException { Fault: SegmentFault.Truncated } => Fault.Fatal,
        TimeoutException or IOException or SegmentException => Fault.Transient,
        _ => Fault.None,
    };

    // The segment's own handle: the registry's claim names the slot it was minted from.
    private static SlotHandle Slot(ClaimHandle claim) => new(claim.Key, claim.Token);
}
