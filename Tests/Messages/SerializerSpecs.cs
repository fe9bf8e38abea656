using System.Runtime.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Messages;

public sealed class SerializerSpecs() : TestKit(ActorTestConfig.Server())
{
    public static TheoryData<ISwitchboardMessage> Messages() =>
    [
        new Register("alice"),
        new Register("alice", "token", "password", "s-0123456789abcdef0123456789abcdef"),
        new Rejected(409, "name 'alice' is already taken"),
        new Unregister(42),
        new Request(7, "add", ["1", "-2"]),
        new Request(8, "calc", []),
        new Reply(1, 200, 2, 3, OpValue.Of(-9223372036854775808), null),
        new Reply(2, 200, 3, 4, OpValue.Of(true), null),
        new Reply(3, 200, 4, 5, OpValue.Of(false), null),
        new Reply(4, 200, 5, 6, OpValue.Of("odd"), null),
        new Reply(5, 422, 6, 7, OpValue.None, "division by zero"),
        new Tell(6, "bob", "héllo ✓"),
        new Say(7, "#games", "gg"),
        new Say(8, null, "hi all"),
        new JoinRoom(9, "#games"),
        new LeaveRoom(10, "games"),
        new ListRooms(11),
        new SetPresence(12, false),
        new Ack(99),
        new Incoming("alice", "hi", true, null, false),
        new Incoming("alice", "gg", false, "#games", true),
        new PresenceEvent("bob", "127.0.0.1:4053", true),
        new Dropped("bob", "not keeping up"),
        new Delivered(3, 404, "bob is not online"),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_wire_message_round_trips_through_the_switchboard_serializer(ISwitchboardMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<SwitchboardSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        if (message is Request r) Assert.Equal((r.Id, r.Op, r.Args), (((Request)back).Id, ((Request)back).Op, ((Request)back).Args), new RequestComparer());
        else Assert.Equal(message, back);
    }

    [Fact]
    public void Replies_and_batches_with_arrays_round_trip()
    {
        var who = new WhoReply(1, 200, 2, 3, [new PresenceEntry("a", "n:1", 5)], null);
        var rooms = new RoomsReply(2, 200, 3, 4, [new RoomEntry("#g", 2, 7)], null);
        var batch = new PresenceBatch([new PresenceEvent("a", "n:1", true), new PresenceEvent("b", "n:2", false)], 3, 4);
        Assert.Equal(who.Clients, RoundTrip(who).Clients);
        Assert.Equal(rooms.Rooms, RoundTrip(rooms).Rooms);
        var back = RoundTrip(batch);
        Assert.Equal((batch.Events.AsEnumerable(), 3, 4), (back.Events.AsEnumerable(), back.MoreJoined, back.MoreLeft), new BatchComparer());
    }

    private T RoundTrip<T>(T message) where T : ISwitchboardMessage
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        return (T)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }

    private sealed class BatchComparer : IEqualityComparer<(IEnumerable<PresenceEvent>, int, int)>
    {
        public bool Equals((IEnumerable<PresenceEvent>, int, int) x, (IEnumerable<PresenceEvent>, int, int) y) =>
            x.Item1.SequenceEqual(y.Item1) && x.Item2 == y.Item2 && x.Item3 == y.Item3;
        public int GetHashCode((IEnumerable<PresenceEvent>, int, int) obj) => obj.Item2;
    }

    [Fact]
    public void Registered_carries_a_resolvable_session_ref()
    {
        var probe = CreateTestProbe();
        var message = new Registered(probe.Ref, 1, 17, "127.0.0.1:4053");
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var back = (Registered)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Assert.Equal(message, back);
    }

    [Fact]
    public void Types_without_a_registered_serializer_are_refused_not_written_as_json()
    {
        var stray = new { Secret = "x" };
        var serializer = Sys.Serialization.FindSerializerFor(stray);
        Assert.IsType<RefusingSerializer>(serializer);
        Assert.Throws<SerializationException>(() => serializer.ToBinary(stray));
        // A peer's JSON payload (serializer id 1 in a stock system) finds no JSON serializer here.
        Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize("{\"$type\":\"System.Object\"}"u8.ToArray(), 1, typeof(object)));
    }

    [Theory]
    [InlineData("rep", new byte[] { 0xFF, 0xFF, 0xFF })]
    [InlineData("nope", new byte[] { })]
    public void Malformed_or_unknown_payloads_throw_instead_of_guessing(string manifest, byte[] bytes)
    {
        var serializer = new SwitchboardSerializer((ExtendedActorSystem)Sys);
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes, manifest));
    }

    [Fact]
    public void A_request_with_more_arguments_than_any_operation_takes_is_refused_at_decode()
    {
        var serializer = new SwitchboardSerializer((ExtendedActorSystem)Sys);
        string[] most = [.. Enumerable.Repeat("1", Limits.MaxArgs)];
        Assert.Equal(most, ((Request)serializer.FromBinary(serializer.ToBinary(new Request(1, "op", most)), "req")).Args);
        // The hostile frame: 150,000 one-byte arguments in 450 KB, under the frame size.
        var flood = serializer.ToBinary(new Request(2, "add", [.. Enumerable.Repeat("1", 150_000)]));
        Assert.True(flood.Length < 512_000);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(flood, "req"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(serializer.ToBinary(new Request(3, "op", [.. most, "1"])), "req"));
        var batch = new RequestBatch([new Request(4, "add", ["1", "2"]), new Request(5, "add", [.. most, "1"])]);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(serializer.ToBinary(batch), Akka.Serialization.Serialization.ManifestFor(serializer, batch)));
        var chat = new ChatCommand(6, "markread", [.. most, "1"]);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(serializer.ToBinary(chat), Akka.Serialization.Serialization.ManifestFor(serializer, chat)));
    }

    private sealed class RequestComparer : IEqualityComparer<(long, string, string[])>
    {
        public bool Equals((long, string, string[]) x, (long, string, string[]) y) =>
            x.Item1 == y.Item1 && x.Item2 == y.Item2 && x.Item3.SequenceEqual(y.Item3);
        public int GetHashCode((long, string, string[]) obj) => obj.Item1.GetHashCode();
    }
}
