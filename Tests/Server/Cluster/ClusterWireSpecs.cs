using Akka.Actor;
using Akka.Configuration;
using Switchboard.Server.Cluster.Proto;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>The node-to-node messages of cluster mode: their own strict serializer, and what the inbound rules open.</summary>
public sealed class ClusterWireSpecs() : Akka.TestKit.Xunit2.TestKit(Signed(ClusterSecret.Value))
{
    private static Config Signed(string secret) => ConfigurationFactory.ParseString(
        $"{ClusterWireSerializer.SecretPath} = \"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret))}\"\n" +
        """
        akka.actor.serializers.switchboard = "Switchboard.Messages.SwitchboardSerializer, Switchboard.Messages"
        akka.actor.serialization-bindings { "Switchboard.Messages.ISwitchboardMessage, Switchboard.Messages" = switchboard }
        """).WithFallback(ActorTestConfig.TimeFactorConfig);

    // A node of another cluster (or a stranger who guessed the format): same code, another secret.
    private ClusterWireSerializer Stranger(string secret)
    {
        var other = ActorSystem.Create("stranger", Signed(secret));
        try { return new ClusterWireSerializer((ExtendedActorSystem)other); }
        finally { other.Terminate().Wait(TimeSpan.FromSeconds(10).Scaled()); }
    }

    private static byte[] Resign(byte[] fields, string manifest)
    {
        var key = System.Text.Encoding.UTF8.GetBytes(ClusterSecret.Value);
        var mac = System.Security.Cryptography.HMACSHA256.HashData(key, (byte[])[.. System.Text.Encoding.ASCII.GetBytes(manifest), 0, .. fields]);
        return [.. fields, .. mac.AsSpan(0, ClusterWireSerializer.MacBytes).ToArray()];
    }

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
            new NameClaim("alice", "127.0.0.2:4053", 5, inbox, Reassert: false, ClaimKey.Of(Capability.NewName("s-")), ClaimKey.Of(Capability.NewName("s-"))),
            new NameClaim("alice", "127.0.0.2:4053", 6, inbox, Reassert: true, ClaimKey.Of(Capability.NewName("s-"))),
            new NameRelease("alice", "127.0.0.2:4053", 42),
            new NameAnswer("alice", 42, NameVerdict.Lost),
            new LeaseSeq(inbox, 1000),
            new SeqLeased(2001, 1000),
        ];
        foreach (var m in messages) Assert.Equal(m, RoundTrip(m));
        var roster = new NodeRoster("127.0.0.3:4053", 7, [new RosterEntry("bob", 1_700_000_000_000, 5), new RosterEntry("carol", 1_700_000_000_001, 6)]);
        var back = Assert.IsType<NodeRoster>(RoundTrip(roster));
        Assert.Equal((roster.Node, roster.Version, (IActorRef?)null), (back.Node, back.Version, back.Inbox));
        Assert.Equal(roster.Entries, back.Entries);
        Assert.Equal(inbox, Assert.IsType<NodeRoster>(RoundTrip(roster with { Inbox = inbox })).Inbox);
        var deliver = new Switchboard.Messages.Deliver(7, "alice", "bob", "hi", inbox);
        Assert.Equal(deliver, Assert.IsType<Relayed>(RoundTrip(new Relayed(deliver, "127.0.0.1:4053"))).Inner);
        var fanout = new Switchboard.Messages.Fanout("alice", "games", "gg", inbox);
        Assert.Equal(fanout, Assert.IsType<Relayed>(RoundTrip(new Relayed(fanout, "127.0.0.1:4053"))).Inner);
        Switchboard.Messages.ISwitchboardMessage[] items =
            [deliver, new Switchboard.Messages.Delivered(8, Codes.Ok, null), deliver with { Id = 9, Text = "é" }, new Switchboard.Messages.Delivered(3, Codes.NotOnline, "bob is not online")];
        var batch = Assert.IsType<RelayedBatch>(RoundTrip(new RelayedBatch(items, "127.0.0.1:4053")));
        Assert.Equal("127.0.0.1:4053", batch.Origin);
        Assert.Equal(items, batch.Items);
    }

    // A batch's fields as another node would write them: each DM with its own fields, the reply address once.
    private static byte[] BatchFields(IEnumerable<RelayItemP> items, string replyTo = "akka.tcp://switchboard-node@127.0.0.2:4054/user/inbox-x#1")
    {
        var wire = new RelayedBatchP { Origin = "127.0.0.1:4053", ReplyTo = replyTo };
        wire.Items.AddRange(items);
        return Google.Protobuf.MessageExtensions.ToByteArray(wire);
    }

    private static RelayItemP Dm(long id) => new() { Deliver = new RelayDeliverP { Id = id, From = "a", To = "b", Text = "c" } };

    [Fact]
    public void A_batch_carries_only_direct_messages_and_their_answers_and_at_most_its_limit_of_them()
    {
        var ours = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        var deliver = new Switchboard.Messages.Deliver(1, "a", "b", "c", CreateTestProbe().Ref);
        var manifest = ours.Manifest(new RelayedBatch([deliver], "x"));
        RelayedBatch Read(byte[] fields) => (RelayedBatch)ours.FromBinary(Resign(fields, manifest), manifest);

        var full = Read(BatchFields(Enumerable.Range(1, NodeLinkActor.MaxItems).Select(i => Dm(i))));
        Assert.Equal(NodeLinkActor.MaxItems, full.Items.Length);
        // The reply address, written once, is every DM's.
        Assert.Single(full.Items.Cast<Switchboard.Messages.Deliver>().Select(d => d.ReplyTo).Distinct());
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Read(BatchFields(Enumerable.Range(1, NodeLinkActor.MaxItems + 1).Select(i => Dm(i)))));
        Assert.Contains($"1 to {NodeLinkActor.MaxItems}", e.Message);
        // A validly signed batch with an item that is neither a DM nor an answer (an unknown field: a broadcast, say) is refused whole.
        var unknown = new RelayItemP();
        Google.Protobuf.MessageExtensions.MergeFrom(unknown, new byte[] { 3 << 3 | 2, 1, 0 });
        e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Read(BatchFields([Dm(1), unknown])));
        Assert.Contains("neither a DM nor an answer", e.Message);
        // DMs need somewhere to answer.
        e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Read(BatchFields([Dm(1)], replyTo: "")));
        Assert.Contains("no reply address", e.Message);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Read(BatchFields([])));
        // Nor is such a batch written, nor an empty or oversized one, nor one whose DMs name two reply addresses.
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.ToBinary(new RelayedBatch([new Switchboard.Messages.Register("mallory")], "x")));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.ToBinary(new RelayedBatch([], "x")));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.ToBinary(new RelayedBatch([.. Enumerable.Repeat(deliver, NodeLinkActor.MaxItems + 1)], "x")));
        e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.ToBinary(new RelayedBatch([deliver, deliver with { ReplyTo = CreateTestProbe().Ref }], "x")));
        Assert.Contains("one reply address", e.Message);
    }

    [Fact]
    public void A_message_signed_with_another_secret_or_altered_or_unsigned_is_refused()
    {
        var ours = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        var claim = new NameClaim("alice", "127.0.0.9:4053", 1, CreateTestProbe().Ref, Reassert: false);
        var theirs = Stranger("another-cluster-secret-9876543210").ToBinary(claim);
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary(theirs, ours.Manifest(claim)));
        Assert.Contains("not signed with this cluster's secret", e.Message);

        var altered = ours.ToBinary(claim);
        altered[2] ^= 1; // a letter of the name
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary(altered, ours.Manifest(claim)));
        // The same bytes under another manifest: the manifest is signed too.
        var answer = ours.ToBinary(new NameAnswer("alice", 1, NameVerdict.Granted));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary(answer, ours.Manifest(new NameRelease("a", "n", 1))));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary([1, 2, 3], ours.Manifest(claim)));
        // Without a secret a node cannot sign at all.
        var unset = Stranger("");
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => unset.ToBinary(claim));
    }

    [Fact]
    public void A_relay_carries_only_a_direct_message_or_a_broadcast()
    {
        var ours = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        // A validly signed relay whose inner message is a Register (a client's message) is still refused.
        var inner = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new Switchboard.Messages.Register("mallory"));
        var bytes = inner.ToBinary(new Switchboard.Messages.Register("mallory"));
        using var buffer = new MemoryStream();
        var o = new Google.Protobuf.CodedOutputStream(buffer);
        o.WriteTag(12, Google.Protobuf.WireFormat.WireType.LengthDelimited); o.WriteString(inner.Manifest(new Switchboard.Messages.Register("mallory")));
        o.WriteTag(13, Google.Protobuf.WireFormat.WireType.LengthDelimited); o.WriteBytes(Google.Protobuf.ByteString.CopyFrom(bytes));
        o.WriteTag(14, Google.Protobuf.WireFormat.WireType.Varint); o.WriteInt32(inner.Identifier);
        o.Flush();
        var relay = new Relayed(new Switchboard.Messages.Deliver(1, "a", "b", "c", CreateTestProbe().Ref), "127.0.0.1:4053");
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary(Resign(buffer.ToArray(), ours.Manifest(relay)), ours.Manifest(relay)));
        Assert.Contains("not a relayable message", e.Message);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.ToBinary(new Relayed(new Switchboard.Messages.Register("mallory"), "x")));
    }

    [Fact]
    public void Every_cluster_message_type_has_a_manifest()
    {
        var types = typeof(IClusterWireMessage).Assembly.GetTypes()
            .Where(t => (typeof(IClusterWireMessage).IsAssignableFrom(t) || typeof(IHistoryWireMessage).IsAssignableFrom(t)) && !t.IsInterface).ToArray();
        Assert.Equal(9 + 19, types.Length); // the registry's, and the sharded history's
        var serializer = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        foreach (var t in types) Assert.False(string.IsNullOrEmpty(serializer.Manifest(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t))));
    }

    [Fact]
    public void An_unknown_manifest_or_a_bad_verdict_is_refused()
    {
        var serializer = new ClusterWireSerializer((ExtendedActorSystem)Sys);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "nope"));
        var signed = serializer.ToBinary(new NameAnswer("a", 1, NameVerdict.Granted));
        var fields = signed[..^ClusterWireSerializer.MacBytes];
        fields[^1] = 99; // the verdict is the last varint
        var bad = Resign(fields, serializer.Manifest(new NameAnswer("a", 1, NameVerdict.Granted)));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bad, serializer.Manifest(new NameAnswer("a", 1, NameVerdict.Granted))));
    }

    [Fact]
    public void The_node_side_opens_the_cluster_system_actors_and_inboxes_but_no_selection_of_the_gateway()
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.hocon")))
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "server.hocon"))));
        var rules = InboundRules.Create(NodeSide.Inbound(config));
        // A user's --config that copies server.hocon (client-facing rules) does not change the node side's.
        Assert.True(InboundRules.Create(NodeSide.Inbound(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "server.hocon"))).WithFallback(config)))
            .IsOpenRecipient(new RootActorPath(new Address("akka.ssl.tcp", "switchboard", "127.0.0.1", 4054)) / "user" / "inbox-0123"));
        var root = new RootActorPath(new Address("akka.tcp", "switchboard", "127.0.0.1", 4053));
        Assert.True(rules.IsOpenRecipient(root / "system" / "cluster" / "core" / "daemon"));
        Assert.True(rules.IsOpenRecipient(root / "system" / "sharding" / "switchboard-names" / "3" / "alice"));
        Assert.True(rules.IsOpenRecipient(root / "user" / "inbox-0123"));
        Assert.False(rules.IsOpenRecipient(root / "user"));
        Assert.False(rules.IsAllowedSelection(["user", "gateway"]));
        Assert.True(rules.IsClusterSelection(["system", "distributedPubSubMediator"]));
        Assert.False(rules.IsClusterSelection(["user", "gateway"]));
        Assert.False(rules.IsClusterSelection(["system"]));

        // Single-host mode opens none of it.
        var single = InboundRules.Create(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "server.hocon"))));
        Assert.False(single.IsOpenRecipient(root / "system" / "cluster" / "core" / "daemon"));
        Assert.False(single.IsClusterSelection(["system", "sharding"]));
    }
}
