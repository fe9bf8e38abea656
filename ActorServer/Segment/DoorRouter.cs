using Akka.Actor;

namespace Switchboard.Server.Segment;

/// <summary>
/// Node traffic between the segment's nodes: each node has a door (<see cref="NodeDoorActor"/>, a child of its gateway
/// whose name only the segment's nodes know) that hands deliveries to its gateway or rooms and answers to its registry.
/// </summary>
/// <param name="firstTo">Called before the first delivery to a node: the node identities are read again then, so an
/// association a peer opened at that address before the node registered is checked before it carries anything.</param>
public sealed class DoorRouter(ActorSystem system, IActorRef registry, string node, string doorName, Action? firstTo = null) : INodeRouter
{
    private readonly Dictionary<string, IActorRef> _doors = new(StringComparer.Ordinal);
    // The live nodes whose association this node opened ahead of traffic, and the start time of the incarnation it was
    // opened to (a node restarted at the same address is a new association).
    private readonly Dictionary<string, DateTimeOffset> _warmed = new(StringComparer.Ordinal);
    private readonly Security.NodeQueues _queues = Security.PeerAddresses.For(system).Queues;
    private IActorRef? _ownDoor;

    // The door is the gateway's child, created after the registry: looked up when first needed.
    public IActorRef ReplyAddress => _ownDoor ??= Provider.ResolveActorRef(registry.Path.Root / "user" / "gateway" / doorName);

    // The registry is not reachable from other processes (the inbound rules open only the gateway's children): what
    // reaches it came through this node's door.
    public bool IsNodeChannel(IActorRef sender) => true;

    // Nodes are named by their client-facing HOST:PORT, which is where this node reaches them.
    public string? Full(string node) => _queues.Full(node) ? node : null;

    public void Deliver(string to, Deliver relayed) => Door(to).Tell(relayed, registry);

    public void Fanout(Fanout relayed, IReadOnlyList<string> nodes)
    {
        foreach (var to in nodes)
            if (to != node) Door(to).Tell(relayed, registry);
    }

    /// <summary>Opens the association to each other live node of <paramref name="nodes"/> as soon as it is seen, not at a
    /// client's first message for it: that message would wait for the TCP, TLS and Akka handshakes (~140 ms for two TLS
    /// nodes on a busy 2-core box, more the busier), which the sender's delivery-timeout bounds. An Identify to the
    /// node's door, from this node's door, which ignores the answer (Akka's dead letters answer one too, when the node
    /// is not listening yet; an Identify with no sender made them throw).</summary>
    /// <param name="listening">Whether a node listens already: its row is written before its actor system starts, its
    /// Akka uid once it has (dialled earlier, Akka logs the refused connection as a warning).</param>
    public void Warm(IReadOnlyList<NodeEntry> nodes, Func<string, bool> listening)
    {
        foreach (var n in nodes)
        {
            if (!n.Alive || n.Address == node || _warmed.TryGetValue(n.Address, out var started) && started == n.Started || !listening(n.Address)) continue;
            _warmed[n.Address] = n.Started;
            Door(n.Address).Tell(new Identify(null), ReplyAddress);
        }
        // A node that died is warmed again when it comes back (at most 16 rows: a scan each look costs nothing).
        foreach (var gone in _warmed.Keys.Where(a => !nodes.Any(n => n.Alive && n.Address == a)).ToList()) _warmed.Remove(gone);
    }

    private IActorRefProvider Provider => ((ExtendedActorSystem)system).Provider;

    private IActorRef Door(string to)
    {
        if (!_doors.TryGetValue(to, out var door))
        {
            firstTo?.Invoke();
            _doors[to] = door = Provider.ResolveActorRef($"{Provider.DefaultAddress.Protocol}://switchboard@{to}/user/gateway/{doorName}");
        }
        return door;
    }
}
