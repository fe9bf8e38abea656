using Akka.Actor;

namespace Switchboard.Server.Registry;

/// <summary>
/// Where other nodes of the segment hand this node their deliveries and fan-outs: a child of the gateway whose name
/// holds the nodes' shared key, so only a process that can read the key (this user's nodes) can address it. The
/// gateway and the rooms accept node traffic only from here or from this node's registry; no peer reaches them
/// directly (the inbound rules open only the gateway's children, and the gateway itself to Register selections).
/// It is also where they answer what this node relayed to them (passed on to the registry).
/// </summary>
public sealed class NodeDoorActor : ReceiveActor
{
    private readonly OriginLedger _origins = OriginLedger.For(Context.System);

    public NodeDoorActor(IActorRef gateway, IActorRef rooms, IActorRef registry)
    {
        Receive<Deliver>(m => gateway.Tell(m));
        Receive<Fanout>(m => (m.Room is null ? gateway : rooms).Tell(m));
        // Answers to what this node's registry relayed: the door is their reply address, not the sender's session.
        Receive<Delivered>(m => registry.Tell(m));
        Receive<FanoutDropped>(m => registry.Tell(m));
        // The answer to this node's Identify that opened the association to another node ahead of traffic (DoorRouter.Warm).
        Receive<ActorIdentity>(_ => { });
    }

    // Whoever reaches the door knows the nodes' key: a node, whose remoting endpoint Akka keeps as for any peer
    // (OriginLedger forgets only strangers').
    protected override bool AroundReceive(Receive receive, object message)
    {
        _origins.Keep(Sender.Path.Address);
        return base.AroundReceive(receive, message);
    }

    public static Props Props(IActorRef gateway, IActorRef rooms, IActorRef registry) =>
        Akka.Actor.Props.Create(() => new NodeDoorActor(gateway, rooms, registry));
}
