using Akka.Actor;
using Akka.Configuration;
using Switchboard.Messages.Inbound;
using Switchboard.Server.Cluster;

namespace Switchboard.Tests.Cluster;

/// <summary>The node-to-node messages of cluster mode: their own strict serializer, and what the inbound rules open.</summary>
public sealed class ClusterWireSpecs : Akka.TestKit.Xunit2.TestKit
{
    private object RoundTrip(object message)
    {
        var serializer = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        return serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }

    [Fact]
    public void Every_cluster_message_survives_the_wire_unchanged()
    {
        var inbox = CreateTestProbe().Ref;
        object[] messages =
        [
            new NameClaim("alice", "127.0.0.2:4053", 1234567890123, inbox, Reassert: true),
            new NameRelease("alice", "127.0.0.2:4053", 42),
            new NameAnswer("alice", 42, NameVerdict.Lost),
            new LeaseSeq(inbox, 1000),
            new SeqLeased(2001, 1000),
        ];
        foreach (var m in messages) Assert.Equal(m, RoundTrip(m));
        var roster = new NodeRoster("127.0.0.3:4053", 7, [new RosterEntry("bob", 1_700_000_000_000, 5), new RosterEntry("carol", 1_700_000_000_001, 6)]);
        var back = Assert.IsType<NodeRoster>(RoundTrip(roster));
        Assert.Equal((roster.Node, roster.Version), (back.Node, back.Version));
        Assert.Equal(roster.Entries, back.Entries);
    }

    [Fact]
    public void Every_cluster_message_type_has_a_manifest()
    {
        var types = typeof(IClusterWireMessage).Assembly.GetTypes()
            .Where(t => typeof(IClusterWireMessage).IsAssignableFrom(t) && !t.IsInterface).ToArray();
        Assert.Equal(6, types.Length);
        var serializer = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        foreach (var t in types) Assert.False(string.IsNullOrEmpty(serializer.Manifest(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t))));
    }

    [Fact]
    public void An_unknown_manifest_or_a_bad_verdict_is_refused()
    {
        var serializer = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "nope"));
        var bad = serializer.ToBinary(new NameAnswer("a", 1, NameVerdict.Granted));
        bad[^1] = 99; // the verdict is the last varint
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bad, serializer.Manifest(new NameAnswer("a", 1, NameVerdict.Granted))));
    }

    [Fact]
    public void Cluster_prefixes_open_the_cluster_system_actors_but_not_the_registry_gateway_or_rooms()
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.hocon")))
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "server.hocon"))));
        var rules = InboundRules.Create(config);
        var root = new RootActorPath(new Address("akka.tcp", "switchboard", "127.0.0.1", 4053));
        Assert.True(rules.IsOpenRecipient(root / "system" / "cluster" / "core" / "daemon"));
        Assert.True(rules.IsOpenRecipient(root / "system" / "sharding" / "switchboard-names" / "3" / "alice"));
        Assert.True(rules.IsOpenRecipient(root / "user" / "state" / "inbox-0123"));
        Assert.False(rules.IsOpenRecipient(root / "user" / "state"));
        Assert.False(rules.IsOpenRecipient(root / "user" / "rooms"));
        Assert.False(rules.IsOpenRecipient(root / "user"));
        Assert.True(rules.IsClusterSelection(["system", "distributedPubSubMediator"]));
        Assert.False(rules.IsClusterSelection(["user", "gateway"]));
        Assert.False(rules.IsClusterSelection(["system"]));

        // Single-host mode opens none of it.
        var single = InboundRules.Create(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "server.hocon"))));
        Assert.False(single.IsOpenRecipient(root / "system" / "cluster" / "core" / "daemon"));
        Assert.False(single.IsClusterSelection(["system", "sharding"]));
    }
}
