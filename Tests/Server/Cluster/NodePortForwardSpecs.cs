using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// On the node port every peer holds the cluster secret, and Akka's cluster tools pass messages on with their first
/// sender: a shard region that is not a shard's home forwards what it is sent to the home it knows, the mediator its
/// publishers' messages. New user hB (2026-12-07): after two nodes of three were killed (<c>kill -9</c>) and
/// restarted one after the other, every <c>markread</c> of alice's from two of the three nodes was answered 503 for
/// minutes: the regions' homes of her inbox's shard differed, and the node holding it dropped each message another
/// member forwarded there ("dropped a message from ...127.0.0.1:48301 naming sender ...127.0.0.2:48301/user/history-...,
/// at another address"): the client port's rule against senders at other addresses, applied on the node port too.
/// </summary>
public sealed class NodePortForwardSpecs
{
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    private sealed class Catcher : ReceiveActor
    {
        public Catcher(TaskCompletionSource<object> got) => ReceiveAny(m => got.TrySetResult(m));
    }

    private static NodeSide Node(int port, int seed)
    {
        var hocon = ConfigurationFactory.ParseString(File.ReadAllText(SwitchboardConfig.DefaultPath("cluster.hocon")))
            .WithFallback(ServerSettings.Load(null).Hocon);
        var config = new NodeSideConfig("127.0.0.1", "127.0.0.1", port, [new HostPort("127.0.0.1", seed)], $"127.0.0.1:{port - 1}", ClusterSecret.Value);
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        return NodeSide.Start(hocon, ClusterSettings.Create(hocon), config, services);
    }

    // A reference to another node's actor by its path, as a member holds one (the node port takes no selections).
    private static IActorRef Resolve(NodeSide from, NodeSide at, IActorRef actor) =>
        ((ExtendedActorSystem)from.System).Provider.ResolveActorRef(actor.Path.ToStringWithAddress(((ExtendedActorSystem)at.System).Provider.DefaultAddress));

    [Fact]
    public async Task A_message_one_member_forwards_with_another_members_sender_reaches_its_recipient()
    {
        var (a, b, c) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        NodeSide[] nodes = [Node(a, a), Node(b, a), Node(c, a)];
        try
        {
            var unique = Guid.NewGuid().ToString("N");
            var echo = nodes[2].System.ActorOf(Props.Create(() => new Echo()), $"echo-{unique}");
            var echoFromB = Resolve(nodes[1], nodes[2], echo);
            var forwarder = nodes[1].System.ActorOf(Props.Create(() => new Forwarder(echoFromB)), $"forward-{unique}");
            var forwarderFromA = Resolve(nodes[0], nodes[1], forwarder);

            // A's actor asks B's, which passes it on to C's with A's actor as its sender (as a shard region does).
            var got = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var catcher = nodes[0].System.ActorOf(Props.Create(() => new Catcher(got)), $"catch-{unique}");
            var asked = new Request(7, "add", ["1", "2"]);
            forwarderFromA.Tell(asked, catcher);
            Assert.Same(got.Task, await Task.WhenAny(got.Task, Task.Delay(TimeSpan.FromSeconds(20).Scaled())));
            var echoed = Assert.IsType<Request>(await got.Task);
            Assert.Equal((asked.Id, asked.Op), (echoed.Id, echoed.Op));
            Assert.Equal(asked.Args, echoed.Args);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.System.Terminate()));
        }
    }
}
