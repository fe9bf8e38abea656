using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>The sharded history's messages between cluster nodes: lossless, signed like the registry's, strict.</summary>
public sealed class HistoryWireSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(
    $"{ClusterWireSerializer.SecretPath} = \"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ClusterSecret.Value))}\"")
    .WithFallback(ActorTestConfig.TimeFactorConfig))
{
    private ClusterWireSerializer Serializer => new((ExtendedActorSystem)Sys);

    private static readonly Conversation Room = Conversation.Room("#lobby"), Dm = Conversation.Direct("alice", "bob");
    private static readonly ChatLine Line = new(7, "bob", "héllo ✓", 1_700_000_000_123);

    public static TheoryData<object> Messages() =>
    [
        new Post(Dm, 3, "bob", "hi alice"),
        new Posted(3, Room, 42, 1_700_000_000_000),
        new HistoryFailed(4, Codes.Unavailable, "history store unavailable"),
        new ReadHistory(Room, 5, HistoryAnchor.Around, 40, 20, 1_700_000_000_000),
        new HistoryPage(5, Room, [Line, Line with { Id = 8 }], 6, 8),
        new Fetch(Dm, 6, [1, 2, 9]),
        new Fetch(Dm, 6, [1], [200, 201], 1_700_000_000_000),
        new Fetched(6, Dm, [Line], 9),
        new Fetched(6, Dm, [], 201, Kept: 1, Gone: 1),
        new Fetch(Dm, 6, [], SinceMs: 1_700_000_000_000, Reader: "alice", ReadUpTo: 0),
        new Fetch(Dm, 6, [], Reader: "bob", ReadUpTo: 17),
        new Fetched(6, Dm, [], 201, Unread: 0),
        new Fetched(6, Dm, [], 201, Unread: 12),
        new Hold("alice", 7, Dm, 9),
        new HeldOk(7),
        new CollectAway("alice", 1_700_000_000_000, 8),
        new CollectAway("alice", 1_700_000_000_000, 8, Next: true),
        new ClearInbox("alice"),
        new ForgetMarker("alice", Room),
        new AwayReport([new AwayLine(Dm, Line)], [(Room, 3L), (Dm, 1L)], 12, 2, 8),
        new AwayReport([new AwayLine(Dm, Line)], [], 12, 0, 8, More: 500),
        new AwayReport([new AwayLine(Dm, Line)], [], 12, 68, 8, More: 100, Later: 32),
        new AwayDelivered("alice", 12),
        new MarkReadUpTo("alice", 9, Room, 40),
        new MarkReadUpTo("alice", 10, Dm, 41, 1_700_000_000_000),
        new MarkedOk(9, 40),
        new MarkChecked(new MarkReadUpTo("alice", 9, Room, 40)),
        new ReadMarkers("alice", 10, null),
        new ReadMarkers("alice", 11, [Room, Dm]),
        new MarkersRead(11, [(Room, 40L), (Dm, 2L)]),
        new ReservationNotice("alice", 1_700_000_000_000, 1),
        new ReservationNotice("alice", null, 4),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_history_message_crosses_between_nodes_unchanged(object message)
    {
        var bytes = Serializer.ToBinary(message);
        var back = Serializer.FromBinary(bytes, Serializer.Manifest(message));
        Assert.IsType(message.GetType(), back);
        // Arrays compare by reference in records: equal bytes again show that every field came back.
        Assert.Equal(bytes, Serializer.ToBinary(back));
        if (message is not (HistoryPage or Fetch or Fetched or AwayReport or ReadMarkers { Of: not null } or MarkersRead)) Assert.Equal(message, back);
    }

    // A whole inbox of the longest texts (max-held of them) is several megabytes; one page of it, with every read marker
    // an inbox keeps, must cross between nodes, where a larger message is dropped (and the owner would never get it).
    [Fact]
    public void A_page_of_held_messages_at_their_longest_fits_in_one_message_between_nodes()
    {
        var frame = ServerSettings.Load(null).Hocon.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")!.Value;
        var longest = new string('\u00e9', Limits.MaxTextBytes / 2); // 2 bytes each in UTF-8
        var name = new string('n', Limits.MaxNameLength);
        var lines = Enumerable.Range(1, InboxActor.PageLines)
            .Select(i => new AwayLine(Conversation.Direct(name, name[..^1] + i % 10), new ChatLine(long.MaxValue - i, name, longest, long.MaxValue)))
            .ToArray();
        var unread = Enumerable.Range(0, InboxActor.MaxMarkers).Select(i => (Conversation.Direct(name, $"{name[..^3]}{i:D3}"), long.MaxValue)).ToArray();
        var bytes = Serializer.ToBinary(new AwayReport(lines, unread, long.MaxValue, long.MaxValue, long.MaxValue, int.MaxValue));
        Assert.True(bytes.Length < frame, $"a page is {bytes.Length} bytes; a message between nodes is at most {frame}");
    }

    [Fact]
    public async Task A_history_message_signed_with_another_secret_is_refused()
    {
        var other = ActorSystem.Create("stranger", ConfigurationFactory.ParseString(
            $"{ClusterWireSerializer.SecretPath} = \"{Convert.ToBase64String("another cluster's secret!"u8.ToArray())}\""));
        try
        {
            var forged = new ClusterWireSerializer((ExtendedActorSystem)other).ToBinary(new Post(Dm, 1, "mallory", "I am bob"));
            Assert.Throws<SerializationException>(() => Serializer.FromBinary(forged, "h-post"));
        }
        finally { await other.Terminate().WaitAsync(TimeSpan.FromSeconds(10).Scaled()); }
    }

    [Fact]
    public void A_history_message_with_a_bad_conversation_name_or_anchor_is_refused()
    {
        var s = Serializer;
        byte[] Signed(object m) => s.ToBinary(m);
        // Made by a node with the secret but holding what no node would send: refused, never an entity named by it.
        Assert.Throws<SerializationException>(() => s.FromBinary(Signed(new Post(new Conversation("lobby"), 1, "bob", "x")), "h-post"));
        Assert.Throws<SerializationException>(() => s.FromBinary(Signed(new Hold("no/such name", 1, Dm, 1)), "h-hold"));
        Assert.Throws<SerializationException>(() => s.FromBinary(Signed(new ReadHistory(Room, 1, (HistoryAnchor)99, 0, 1)), "h-read"));
        Assert.Throws<SerializationException>(() => s.FromBinary(Signed(new HeldOk(1)), "h-nonsense"));
    }
}
