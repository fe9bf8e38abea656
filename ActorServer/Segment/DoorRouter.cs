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
