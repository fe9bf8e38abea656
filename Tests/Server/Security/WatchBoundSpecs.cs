using Akka.Actor;
using Akka.Dispatch.SysMsg;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-07, hA): a peer may watch its own session (a capability: its client does, to learn of its
/// end), and every watch names a watcher the session keeps until it ends, by a path the peer writes. Nothing bounded
/// how many: one guest's association watching its session with 200,000 distinct watchers of 900-character paths grew
/// a node 103 → 120 MB in a minute and on for as long as it went, each of its 64 names and each association as much.
/// Past <see cref="Switchboard.Messages.Transport.Inbound.GuardedSystemMessageSerializer.MaxWatchesPerCapability"/>
/// watches of one capability the next is refused, as any refused system message is (the association is dropped).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class WatchBoundSpecs
{
    [Fact]
    public async Task Watches_of_one_session_past_the_bound_are_refused_and_the_node_serves_on()
    {
        await using var server = await ServerNode.StartAsync();
        using var mallory = new HostilePeer();
        var session = (IInternalActorRef)Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("watched"))).Session;
        var provider = (Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)mallory.System).Provider;
        var own = mallory.Inbox.Receiver.Path.Address;
        var dropped = mallory.DroppedAsync(TimeSpan.FromSeconds(60));
        // Straight to the transport, each naming another watcher at the peer's own address (its own remote watcher would
        // send one watch per watchee).
        for (var i = 0; i < 4 * Switchboard.Messages.Transport.Inbound.GuardedSystemMessageSerializer.MaxWatchesPerCapability; i++)
        {
            var watcher = (IInternalActorRef)provider.ResolveActorRef(new RootActorPath(own) / "user" / $"w{i}");
            provider.Transport.Send(new Watch(session, watcher), ActorRefs.NoSender, (Akka.Remote.RemoteActorRef)session);
        }
        await dropped;
        await server.Process.WaitForStdErrAsync("watched by", TimeSpan.FromSeconds(30));
        await using var alice = await server.ConnectAsync("alice");
        Assert.Equal(200, (await alice.SendAsync("prime 7")).GetProperty("code").GetInt32());
    }
}
