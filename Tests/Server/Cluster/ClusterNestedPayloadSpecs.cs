using Akka.Actor;
using Switchboard.Tests.Server.Security;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// Hostile tester hD (2026-12-07): <see cref="NestedPayloadSpecs"/>'s attacks on a cluster node's client port, which a
/// stranger reaches as on a single host (its node port needs the secret): selections or Identifies nested 20,000
/// deep in one frame, sent to the root, the remote watcher and the node side's system paths written on the client port.
/// The client-facing system reads them with the same guarded serializers, so each is refused and the node serves on.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ClusterNestedPayloadSpecs
{
    [Fact]
    public async Task Nested_selections_and_identifies_on_the_client_port_are_refused_and_the_node_serves_on()
    {
        int port = ClusterNode.FreePort("127.0.0.1"), clusterPort = ClusterNode.FreePort("127.0.0.1");
        await using var node = await ClusterNode.StartAsync("127.0.0.1", port, clusterPort, $"127.0.0.1:{clusterPort}");
        using var mallory = new HostilePeer(NestedPayloadSpecs.RawSerializers);
        var at = $"switchboard@{node.Address}";
        mallory.Ref(at, "/").Tell(new RawSelection(NestedPayloadSpecs.Nested(20_000, 6)));
        mallory.Ref(at, "/system/remote-watcher").Tell(new RawIdentify(NestedPayloadSpecs.Nested(20_000, 16, "ID")), mallory.Inbox.Receiver);
        foreach (var path in new[] { "/system/distributedPubSubMediator", "/system/sharding/names", "/system/cluster/core/daemon", "/system/ddataReplicator" })
        {
            mallory.Ref(at, path).Tell(new RawSelection(NestedPayloadSpecs.Nested(20_000, 6)));
            mallory.Ref(at, path).Tell(new RawIdentify(NestedPayloadSpecs.Nested(20_000, 16, "ID")), mallory.Inbox.Receiver);
        }
        // Read after the attacks on the same association: answered only if the node took them in and went on.
        var answer = await mallory.System.ActorSelection($"akka.tcp://{at}/user/gateway").Ask<object>(new Register("after"), TimeSpan.FromSeconds(60).Scaled());
        Assert.IsType<Registered>(answer);
        await using var alice = await node.ConnectAsync("alice");
        Assert.Equal(200, (await alice.SendAsync("prime 7")).GetProperty("code").GetInt32());
        Assert.False(node.Process.HasExited);
        Assert.DoesNotContain("Stack overflow", node.Process.StdErr);
    }
}
