using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Switchboard.Server.Cluster;

/// <summary>
/// Node traffic between cluster nodes over DistributedPubSub: a DM to the recipient node's topic, a broadcast or room
/// message to the topic every registry's inbox subscribes to. Wrapped in a signed <see cref="Relayed"/>, sent as and
/// answered to this node's inbox (<see cref="ClusterInboxActor"/>), the only channel the registry takes node traffic from.
/// </summary>
public sealed class PubSubRouter(IActorRef mediator, IActorRef inbox, string node, Security.NodeQueues? queues = null) : INodeRouter
{
    public const string RosterTopic = "switchboard-roster";
    public const string FanoutTopic = "switchboard-fanout";

    public static string NodeTopic(string node) => "switchboard-node-" + node;

    public IActorRef ReplyAddress => inbox;

    public bool IsNodeChannel(IActorRef sender) => sender.Equals(inbox);

    // Members are queued for by their node-side addresses, which a front name does not give: any full link refuses (a
    // broadcast goes to every member anyway; a DM reaches this way only a name no roster has shown yet).
    public string? Full(string node) => queues?.AnyFull();

    public void Deliver(string to, Deliver relayed) =>
        mediator.Tell(new Publish(NodeTopic(to), new Relayed(relayed, node)), inbox);

    // Published once to every registry (this one skips its own copy: it delivered here already).
    public void Fanout(Fanout relayed, IReadOnlyList<string> nodes) =>
        mediator.Tell(new Publish(FanoutTopic, new Relayed(relayed, node)), inbox);
}
