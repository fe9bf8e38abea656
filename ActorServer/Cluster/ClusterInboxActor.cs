using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The registry's agent on the node side (<see cref="NodeSide"/>): the address other nodes answer and relay to, under
/// an unguessable name, and what name entities watch to learn that this node is gone. It subscribes to the registry's
/// topics and to membership, and passes on to the registry (in the client-facing system) only the messages it exists
/// for. The registry takes node traffic from this agent alone, so nothing reaches it from the node port otherwise.
/// </summary>
public sealed class ClusterInboxActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly IActorRef _mediator;
    private readonly string[] _topics;

    public ClusterInboxActor(IActorRef registry, IActorRef mediator, string[] topics)
    {
        _registry = registry;
        _mediator = mediator;
        _topics = topics;
        Receive<NameAnswer>(Pass);
        Receive<SeqLeased>(Pass);
        Receive<NodeRoster>(Pass);
        Receive<Relayed>(Pass);
        // Answers of another node's gateway or sessions to a relayed message (see PubSubRouter).
        Receive<Delivered>(Pass);
        Receive<FanoutDropped>(Pass);
        Receive<ClusterEvent.IMemberEvent>(Pass);
        Receive<SubscribeAck>(_ => { });
    }

    public static Props Props(IActorRef registry, IActorRef mediator, string[] topics) =>
        Akka.Actor.Props.Create(() => new ClusterInboxActor(registry, mediator, topics));

    protected override void PreStart()
    {
        foreach (var topic in _topics) _mediator.Tell(new Subscribe(topic, Self));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Pass(object message) => _registry.Tell(message, Self);
}
