using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// Cluster mode's history on a one-node cluster, in process, on Akka.Persistence.TestKit's journal: what a session tells
/// its node's relay reaches the sharded conversation or inbox and comes back under the session's own ticket; entities
/// reach each other through their regions (a read marker checked by the conversation, kept by the inbox); reservations
/// made on any node reach every relay's reserved names; and only this process may ask.
/// </summary>
public sealed class ShardedHistorySpecs() : TestKit(Node("cluster"))
{
    // The node side's serializer for the history's messages, as cluster.hocon binds it, and the secret it signs with.
    internal static Config Node(string provider) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = {{provider}}
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.min-nr-of-members = 1
        akka.loglevel = WARNING
        akka.actor.serializers.switchboard-cluster = "Switchboard.Server.Cluster.ClusterWireSerializer, ActorServer"
        akka.actor.serialization-bindings { "Switchboard.Server.History.IHistoryWireMessage, ActorServer" = switchboard-cluster }
        {{ClusterWireSerializer.SecretPath}} = "{{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ClusterSecret.Value))}}"
        """).WithFallback(AccountTestConfig.TestJournal());

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly Conversation Lobby = Conversation.Room("#lobby");
    private static readonly Conversation AliceBob = Conversation.Direct("alice", "bob");
    private readonly ReservedNames _reserved = new();

    private IActorRef Relay()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, Wait);
        var side = new NodeSide(Sys, CreateTestProbe().Ref, CreateTestProbe().Ref);
        return ShardedHistory.Start(side, 10, HistorySettings.Create(Sys.Settings.Config), _reserved, metrics: null);
    }

    [Fact]
    public void A_post_is_kept_by_its_sharded_conversation_and_answered_under_the_sessions_ticket()
    {
        var relay = Relay();
        relay.Tell(new Post(Lobby, 501, "bob", "first"));
        Assert.Equal((501L, 1L), ExpectMsg<Posted>(Wait) is var p ? (p.Ticket, p.MsgId) : default);
        relay.Tell(new Post(Lobby, 502, "alice", "second"));
        Assert.Equal((502L, 2L), ExpectMsg<Posted>(Wait) is var q ? (q.Ticket, q.MsgId) : default);
        relay.Tell(new ReadHistory(Lobby, 77, HistoryAnchor.Latest, 0, 10));
        var page = ExpectMsg<HistoryPage>(Wait);
        Assert.Equal(77, page.Ticket);
        Assert.Equal(["first", "second"], page.Lines.Select(l => l.Text));
    }

    [Fact]
    public void A_held_message_reaches_its_owner_at_login_through_the_inbox_entity_which_fetches_it_from_the_conversation()
    {
        var relay = Relay();
        relay.Tell(new Post(AliceBob, 1, "bob", "are you there?"));
        var posted = ExpectMsg<Posted>(Wait);
        relay.Tell(new Hold("alice", 2, AliceBob, posted.MsgId));
        Assert.Equal(2, ExpectMsg<HeldOk>(Wait).Ticket);
        relay.Tell(new CollectAway("alice", 0, 3));
        var report = ExpectMsg<AwayReport>(Wait);
        Assert.Equal(3, report.Ticket);
        Assert.Equal(["are you there?"], report.Lines.Select(l => l.Line.Text));
        relay.Tell(new AwayDelivered("alice", report.UpTo));
        relay.Tell(new CollectAway("alice", 0, 4));
        Assert.Empty(ExpectMsg<AwayReport>(Wait).Lines);
    }

    [Fact]
    public void A_read_marker_is_checked_by_the_conversation_and_kept_by_the_inbox()
    {
        var relay = Relay();
        relay.Tell(new Post(Lobby, 1, "bob", "one"));
        ExpectMsg<Posted>(Wait);
        relay.Tell(new MarkReadUpTo("alice", 9, Lobby, 5));
        Assert.Equal((9L, Codes.Invalid), ExpectMsg<HistoryFailed>(Wait) is var f ? (f.Ticket, f.Code) : default);
        relay.Tell(new MarkReadUpTo("alice", 10, Lobby, 1));
        Assert.Equal((10L, 1L), ExpectMsg<MarkedOk>(Wait) is var m ? (m.Ticket, m.Marker) : default);
        // What `rooms` asks for its unread counts: the markers from the inbox, the newest id from the conversation.
        relay.Tell(new Post(Lobby, 2, "bob", "two"));
        ExpectMsg<Posted>(Wait);
        relay.Tell(new ReadMarkers("alice", 11, [Lobby]));
        var markers = ExpectMsg<MarkersRead>(Wait);
        Assert.Equal(11, markers.Ticket);
        Assert.Equal([(Lobby, 1L)], markers.Markers);
        relay.Tell(new Fetch(Lobby, 12, []));
        Assert.Equal((12L, 2L), ExpectMsg<Fetched>(Wait) is var fetched ? (fetched.Ticket, fetched.LastId) : default);
    }

    [Fact]
    public void Unread_counts_read_the_inbox_entitys_markers_and_each_conversation_entitys_newest_id_under_the_sessions_tickets()
    {
        var relay = Relay();
        for (var i = 1; i <= 3; i++)
        {
            relay.Tell(new Post(i < 3 ? Lobby : AliceBob, i, "bob", $"m{i}"));
            ExpectMsg<Posted>(Wait);
        }
        relay.Tell(new Post(Lobby, 4, "bob", "m4"));
        ExpectMsg<Posted>(Wait);
        relay.Tell(new MarkReadUpTo("alice", 5, Lobby, 1));
        ExpectMsg<MarkedOk>(Wait);
        relay.Tell(new MarkReadUpTo("alice", 6, AliceBob, 1));
        ExpectMsg<MarkedOk>(Wait);

        // What SessionUnread asks: the markers (of rooms named, or of every DM), then a conversation's newest id.
        relay.Tell(new ReadMarkers("alice", 31, [Lobby, Conversation.Room("#none")]));
        var rooms = ExpectMsg<MarkersRead>(Wait);
        Assert.Equal((31L, Lobby, 1L), (rooms.Ticket, rooms.Markers.Single().Conversation, rooms.Markers.Single().Marker));
        relay.Tell(new ReadMarkers("alice", 32, null));
        Assert.Equal([(AliceBob, 1L)], ExpectMsg<MarkersRead>(Wait).Markers);
        relay.Tell(new Fetch(Lobby, 33, []));
        var newest = ExpectMsg<Fetched>(Wait);
        Assert.Equal((33L, 3L), (newest.Ticket, newest.LastId));
    }

    [Fact]
    public void A_reservation_on_any_node_reaches_every_relays_reserved_names_and_empties_the_inbox_here()
    {
        var relay = Relay();
        var mediator = DistributedPubSub.Get(Sys).Mediator;
        var heard = CreateTestProbe();
        Sys.EventStream.Subscribe(heard.Ref, typeof(ReservationHeard));
        // As another node's relay publishes it.
        AwaitAssert(() =>
        {
            mediator.Tell(new Publish(HistoryRelayActor.ReservationsTopic, new ReservationNotice("carol", 1_700_000_000_000, 1)));
            Assert.Equal(1_700_000_000_000, _reserved.Since("carol"));
        }, Wait, TimeSpan.FromMilliseconds(200));
        mediator.Tell(new Publish(HistoryRelayActor.ReservationsTopic, new ReservationNotice("carol", null, 2)));
        AwaitCondition(() => !_reserved.IsReserved("carol"), Wait);
        // The accounts of this node hear of it too (what carol's logins from a host stood for ends).
        Assert.Equal("carol", heard.ExpectMsg<ReservationHeard>(Wait).Name);

        relay.Tell(new Post(AliceBob, 1, "bob", "for the old alice"));
        relay.Tell(new Hold("alice", 2, AliceBob, ExpectMsg<Posted>(Wait).MsgId));
        ExpectMsg<HeldOk>(Wait);
        // What an account actor of this node publishes when alice is reserved anew.
        _reserved.Reserved("alice", 1_700_000_000_500);
        Sys.EventStream.Publish(new ReservationChanged("alice"));
        AwaitAssert(() =>
        {
            relay.Tell(new CollectAway("alice", 0, 3));
            Assert.Empty(ExpectMsg<AwayReport>(Wait).Lines);
        }, Wait, TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_request_from_another_process_is_not_relayed()
    {
        var relay = Relay();
        // Another node (or anyone reaching the node port) sending as if it were a session of this node.
        var other = ActorSystem.Create("switchboard", Node("remote"));
        try
        {
            var probe = new Akka.TestKit.TestProbe(other, new XunitAssertions());
            var remotePath = new RootActorPath(Akka.Cluster.Cluster.Get(Sys).SelfAddress) / relay.Path.Elements;
            other.ActorSelection(remotePath).Tell(new Post(Lobby, 1, "mallory", "forged"), probe.Ref);
            probe.ExpectNoMsg(TimeSpan.FromSeconds(2));
            relay.Tell(new ReadHistory(Lobby, 2, HistoryAnchor.Latest, 0, 10));
            Assert.Empty(ExpectMsg<HistoryPage>(Wait).Lines);
        }
        finally { await other.Terminate().WaitAsync(Wait); }
    }
}

/// <summary>
/// A cluster node keeps at most history max-live conversations and inboxes in memory, as a single host does: sharding
/// alone let one go only when idle (2 minutes), so asking the history of ever new rooms or names grew a node without
/// bound (a hostile tester: 156 → 453 MB from two clients). Past it the least recently used passivates, and is read
/// back from the store when next used.
/// </summary>
public sealed class ShardedHistoryBoundSpecs() : TestKit(ConfigurationFactory.ParseString("switchboard.history.max-live = 3")
    .WithFallback(ShardedHistorySpecs.Node("cluster")))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public void A_node_keeps_at_most_max_live_conversations_in_memory_and_reads_a_let_go_one_back_when_used()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, Wait);
        var side = new NodeSide(Sys, CreateTestProbe().Ref, CreateTestProbe().Ref);
        var relay = ShardedHistory.Start(side, 10, HistorySettings.Create(Sys.Settings.Config), new ReservedNames(), metrics: null);

        relay.Tell(new Post(Conversation.Room("#first"), 1, "bob", "kept"));
        ExpectMsg<Posted>(Wait);
        for (var i = 0; i < 12; i++)
        {
            relay.Tell(new ReadHistory(Conversation.Room($"#r{i}"), 10 + i, HistoryAnchor.Latest, 0, 10));
            ExpectMsg<HistoryPage>(Wait);
        }
        var region = ClusterSharding.Get(Sys).ShardRegion(ConversationExtractor.TypeName);
        AwaitAssert(() =>
        {
            var state = region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Wait).Result;
            Assert.InRange(state.Shards.Sum(s => s.EntityIds.Count), 1, 3);
        }, Wait);

        relay.Tell(new ReadHistory(Conversation.Room("#first"), 99, HistoryAnchor.Latest, 0, 10));
        Assert.Equal(["kept"], ExpectMsg<HistoryPage>(Wait).Lines.Select(l => l.Text));
    }
}
