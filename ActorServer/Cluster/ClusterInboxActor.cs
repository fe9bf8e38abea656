using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The registry's agent on the node side (<see cref="NodeSide"/>): the address other nodes answer and relay to, under
/// an unguessable name, and what name entities watch to learn that this node is gone. It subscribes to the registry's
/// topics and to membership, and passes on to the registry (in the client-facing system) only the messages it exists
/// for. The registry takes node traffic from this agent alone, so nothing reaches it from the node port otherwise.
/// Direct messages it handles itself, past the registry: another node's DM goes to the recipient's session here
/// (<see cref="LocalSessions"/>), and another node's answer to a DM relayed from here goes to the sender's session
/// (<see cref="RelayBook"/>).
/// </summary>
public sealed class ClusterInboxActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly IActorRef _mediator;
    private readonly string[] _topics;

    public ClusterInboxActor(IActorRef registry, IActorRef mediator, string[] topics, LocalSessions local, RelayBook relays)
    {
        _registry = registry;
        _mediator = mediator;
        _topics = topics;
        Receive<NameAnswer>(Pass);
        Receive<SeqLeased>(Pass);
        Receive<NodeRoster>(Pass);
        Receive<Relayed>(m => m.Inner is Deliver, m => local.Deliver((Deliver)m.Inner));
        Receive<Relayed>(Pass);
        // Another node's answer to a DM relayed from here (by a session or the registry).
        Receive<Delivered>(m => relays.Answer(m));
        Receive<FanoutDropped>(Pass);
        Receive<ClusterEvent.IMemberEvent>(Pass);
        Receive<SubscribeAck>(_ => { });
    }

    public static Props Props(IActorRef registry, IActorRef mediator, string[] topics, LocalSessions local, RelayBook relays) =>
        Akka.Actor.Props.Create(() => new ClusterInboxActor(registry, mediator, topics, local, relays));

    protected override void PreStart()
    {
        foreach (var topic in _topics) _mediator.Tell(new Subscribe(topic, Self));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Pass(object message) => _registry.Tell(message, Self);
}
