using Akka.Actor;
using Akka.Dispatch.SysMsg;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Tester hE (2026-12-07): a peer may send the node's remote watcher (<c>/system/remote-watcher</c>, open to every peer)
/// the notice that a remote actor died, and the inbound guard took any notice naming a remote actor, another client's
/// as well as the peer's own. Naming bob's client actor (its path and uid, which the spec gives mallory) ended bob's
/// session as if his process had died: the watcher passed the notice on to the session, which watches its client. A
/// notice is taken now only when it names an actor at the sending association's own address.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class DeathNoticeSpecs
{
    [Fact]
    public async Task A_peer_cannot_tell_the_node_that_another_clients_actor_died()
    {
        await using var server = await ServerNode.StartAsync();
        using var bob = new HostilePeer();
        var bobSession = Assert.IsType<Registered>(await bob.RegisterAsync(server, new Register("bob"))).Session;
        using var mallory = new HostilePeer();
        Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("mallory")));

        var node = $"switchboard@{server.Address}";
        var provider = (Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)mallory.System).Provider;
        var bobsAddress = ((ExtendedActorSystem)bob.System).Provider.DefaultAddress;
        var bobsPath = bob.Inbox.Receiver.Path.ToStringWithAddress(bobsAddress);
        var bobsClient = (IInternalActorRef)provider.ResolveActorRef(bob.Inbox.Receiver.Path.ToSerializationFormatWithAddress(bobsAddress));
        Assert.Equal(bob.Inbox.Receiver.Path.Uid, bobsClient.Path.Uid);
        var watcher = (Akka.Remote.RemoteActorRef)mallory.Ref(node, "/system/remote-watcher");
        // Straight to the transport: the peer's own system would send no such notice for an actor of another system.
        provider.Transport.Send(new DeathWatchNotification(bobsClient, existenceConfirmed: true, addressTerminated: false), ActorRefs.NoSender, watcher);

        // Whichever comes first: the node drops the notice, or bob's session ends on it.
        await Eventually.HoldsAsync(() => Dropped(server) || Ended(server), TimeSpan.FromSeconds(30), () => server.Process.StdErr);
        Assert.False(Ended(server), server.Process.StdErr);
        Assert.Equal(Codes.Ok, await bob.AnswerAsync(bobSession, new Request(2, "add", ["1", "2"]), 2, TimeSpan.FromSeconds(30)));
        Assert.False(Ended(server), server.Process.StdErr);

        bool Dropped(ServerNode s) => s.Process.StdErr.Contains($"naming sender {bobsPath}", StringComparison.Ordinal);
    }

    private static bool Ended(ServerNode server) => server.Process.StdErr.Contains("session of 'bob' ended", StringComparison.Ordinal);
}
