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
/// (<see cref="LocalSessions"/>), whose answer goes back by the link to that node (<see cref="NodeLinks"/>), and another
/// node's answer to a DM relayed from here goes to the sender's session (<see cref="RelayBook"/>); singly or in batches
/// (<see cref="RelayedBatch"/>).
/// </summary>
public sealed class ClusterInboxActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly IActorRef _mediator;
    private readonly string[] _topics;
    private readonly LocalSessions _local;
    private readonly RelayBook _relays;
    private readonly NodeLinks? _links;
    private string _node = "";

    /// <param name="links">Where the sessions' answers to other nodes' DMs leave by (gathered per node); null: each goes
    /// to the other node's inbox on its own.</param>
    public ClusterInboxActor(IActorRef registry, IActorRef mediator, string[] topics, LocalSessions local, RelayBook relays, NodeLinks? links = null)
    {
        _registry = registry;
        _mediator = mediator;
        _topics = topics;
        _local = local;
        _relays = relays;
        _links = links;
        Receive<NameAnswer>(Pass);
        Receive<SeqLeased>(Pass);
        Receive<NodeRoster>(Pass);
        Receive<Relayed>(m => m.Inner is Deliver, m => Deliver((Deliver)m.Inner));
        Receive<Relayed>(Pass);
        // Another node's answer to a DM relayed from here (by a session or the registry).
        Receive<Delivered>(m => _relays.Answer(m));
        Receive<RelayedBatch>(m => Batch(m, refuse: false));
        Receive<FanoutDropped>(Pass);
        Receive<ClusterEvent.IMemberEvent>(Pass);
        Receive<ClusterEvent.IReachabilityEvent>(Pass);
        Receive<SubscribeAck>(_ => { });
        Receive<NodeStopping>(m => Leave(m.Node)); // last: once per node, never in the way of a DM's handlers
    }

    public static Props Props(IActorRef registry, IActorRef mediator, string[] topics, LocalSessions local, RelayBook relays, NodeLinks? links = null) =>
        Akka.Actor.Props.Create(() => new ClusterInboxActor(registry, mediator, topics, local, relays, links));

    protected override void PreStart()
    {
        foreach (var topic in _topics) _mediator.Tell(new Subscribe(topic, Self));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Pass(object message) => _registry.Tell(message, Self);

    // The node has begun to stop: its sessions are ending and its registry will stop before the node leaves the cluster.
    // Another node's DM is answered "not online" at once, never handed to a session that may end before it answers (the
    // sender waited out its delivery timeout, and a kept DM then held for the next login could come twice). Answers to
    // this node's own DMs still go to their sessions. It lives on until the node side stops, after the other nodes have
    // had this node's last (empty) roster: a DM sent to a stopped inbox would wait out the timeout all the same.
    private void Leave(string node)
    {
        _node = node;
        Become(() =>
        {
            Receive<Relayed>(m => m.Inner is Deliver, m => Refuse((Deliver)m.Inner, _links?.To(((Deliver)m.Inner).ReplyTo)));
            Receive<Delivered>(m => _relays.Answer(m));
            Receive<RelayedBatch>(m => Batch(m, refuse: true));
            ReceiveAny(_ => { }); // the registry is stopping: rosters, broadcasts and membership are no one's now
        });
    }

    private void Batch(RelayedBatch m, bool refuse)
    {
        // A batch's DMs share their reply address (the wire has it once): its link is looked up once.
        IActorRef? from = null, link = null;
        foreach (var item in m.Items)
            if (item is Deliver d)
            {
                if (!ReferenceEquals(d.ReplyTo, from)) link = _links?.To(from = d.ReplyTo);
                if (refuse) Refuse(d, link);
                else Deliver(d, link);
            }
            else if (item is Delivered a) _relays.Answer(a);
    }

    private void Refuse(Deliver m, IActorRef? link) =>
        NodeAnswer.To(link ?? m.ReplyTo, new Delivered(m.Id, Codes.NotOnline, RegistryText.NotOnlineNodeStopping(m.To, _node)), Self);

    // The recipient's answer goes back by the link to the sending node's inbox, with the other DMs' answers.
    private void Deliver(Deliver m) => Deliver(m, _links?.To(m.ReplyTo));

    private void Deliver(Deliver m, IActorRef? link) => _local.Deliver(link is null ? m : m with { ReplyTo = link }, Self);
}

/// <summary>This node has begun to stop (from its registry, local only): the inbox refuses other nodes' DMs from now on.</summary>
/// <param name="Node">This node's client-facing address, named in the refusal.</param>
public sealed record NodeStopping(string Node);
