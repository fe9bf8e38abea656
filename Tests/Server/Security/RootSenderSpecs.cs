using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// The root guardian answers an <see cref="Identify"/> for itself, to the message's sender: named at another address
/// than the peer's own, that had the node dial any host and port a stranger chose (5,000 ports of another host in a few
/// seconds, from the node's place in the network, each leaving an endpoint behind).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class RootSenderSpecs
{
    [Fact]
    public Task A_message_to_the_root_naming_a_sender_elsewhere_is_dropped_and_the_node_dials_nobody() =>
        NobodyDialledAsync(async (server, mallory, elsewhere, victim) =>
        {
            var node = $"switchboard@{server.Address}";
            mallory.At(node, "/").Tell(new Identify("selected"), elsewhere); // a selection of the root
            mallory.Ref(node, "/").Tell(new Identify("direct"), elsewhere);  // a message to it
            await OwnIdentifyAnsweredAsync(mallory, node);
            await server.Process.WaitForStdErrAsync($"naming sender {victim}", TimeSpan.FromSeconds(30));
        });

    /// <summary>Hostile tester (2026-12-06, hB): the remote watcher (<c>/system/remote-watcher</c>) is a path every peer
    /// may address, for Akka's heartbeats, and every actor answers an <see cref="Identify"/> (the watcher a heartbeat too)
    /// to its sender: a message sent to it directly, not by selection, naming a sender at another address had the node
    /// dial that host and port, as the root's did.</summary>
    [Fact]
    public Task A_message_to_the_remote_watcher_naming_a_sender_elsewhere_is_dropped_and_the_node_dials_nobody() =>
        NobodyDialledAsync(async (server, mallory, elsewhere, _) =>
        {
            var node = $"switchboard@{server.Address}";
            var watcher = mallory.Ref(node, "/system/remote-watcher");
            watcher.Tell(new Identify("direct"), elsewhere);
            watcher.Tell(Akka.Remote.RemoteWatcher.Heartbeat.Instance, elsewhere);
            await OwnIdentifyAnsweredAsync(mallory, node);
        });

    /// <summary>Hostile tester (2026-12-06, hB): a peer may watch its own session (a capability), and a watch names its
    /// watcher, the actor told when the session ends, by a path the peer writes: many watches of its session naming
    /// watchers at another host's ports, then leaving, had the node dial each of them with the session's end.</summary>
    [Fact]
    public Task A_watch_naming_a_watcher_elsewhere_is_dropped_and_the_node_dials_nobody_when_the_session_ends() =>
        NobodyDialledAsync(async (server, mallory, elsewhere, victim) =>
        {
            var session = (IInternalActorRef)Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("watcher"))).Session;
            // Straight to the transport: the peer's own RemoteActorRef would hand a watch to its own remote watcher.
            var provider = (Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)mallory.System).Provider;
            provider.Transport.Send(new Akka.Dispatch.SysMsg.Watch(session, (IInternalActorRef)elsewhere), ActorRefs.NoSender, (Akka.Remote.RemoteActorRef)session);
            Assert.Equal(Codes.Ok, await mallory.AnswerAsync(session, new Request(2, "add", ["1", "2"]), 2, TimeSpan.FromSeconds(30)));
            session.Tell(new Unregister(3), mallory.Inbox.Receiver);
            await server.Process.WaitForStdErrAsync("session of 'watcher' ended", TimeSpan.FromSeconds(30));
            await server.Process.WaitForStdErrAsync($"naming sender {victim}", TimeSpan.FromSeconds(30));
        });

    /// <summary>Runs <paramref name="attack"/> by a peer naming an actor at a listening port of another "host" (the
    /// victim, its path given too), then checks that the node never dialled it and that the peer got no identity.</summary>
    private static async Task NobodyDialledAsync(Func<ServerNode, HostilePeer, IActorRef, string, Task> attack)
    {
        await using var server = await ServerNode.StartAsync();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var victim = $"akka.tcp://victim@127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/user/x";
            using var mallory = new HostilePeer();
            var elsewhere = ((ExtendedActorSystem)mallory.System).Provider.ResolveActorRef(victim);
            await attack(server, mallory, elsewhere, victim);

            var dialled = listener.AcceptTcpClientAsync();
            Assert.NotSame(dialled, await Task.WhenAny(dialled, Task.Delay(TimeSpan.FromSeconds(3).Scaled())));
            Assert.Empty(mallory.Drain(TimeSpan.FromMilliseconds(300)).OfType<ActorIdentity>());
        }
        finally
        {
            listener.Stop();
        }
    }

    // The peer's own Identify comes after the attack on its one association: once it is answered, the attack was judged.
    private static async Task OwnIdentifyAnsweredAsync(HostilePeer mallory, string node)
    {
        mallory.At(node, "/").Tell(new Identify("own"), mallory.Inbox.Receiver);
        Assert.Equal("own", Assert.IsType<ActorIdentity>(await mallory.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled())).MessageId);
    }
}
