using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.History;

/// <summary>The history's journal format: every event comes back as written, under the serializer the hocon binds, and a
/// manifest or payload it does not know is refused rather than guessed.</summary>
public sealed class HistoryEventSerializerSpecs() : TestKit(ActorTestConfig.Server())
{
    [Fact]
    public void Every_history_event_survives_the_journal_format()
    {
        IHistoryEvent[] events =
        [
            new MessagePosted("alice", "hello ✓ wörld", 1_764_000_000_123), new MessagePosted("bob", "", 0),
            new MessageHeld("@alice@bob", 42), new HeldDelivered(7), new HeldDropped(9), new MarkedRead("#lobby", long.MaxValue), new MarkerForgotten("#lobby"),
            new InboxSnapshot([("@alice@bob", 3, 17), ("@alice@carol", 1, 18)], [("#lobby", 250), ("@alice@bob", 2)]),
            new InboxSnapshot([], []),
            new MessagesPosted(1, [new MessagePosted("alice", "hello ✓ wörld", 1_764_000_000_123)]),
            new MessagesPosted(1_000_001, [new MessagePosted("bob", "", 0), new MessagePosted("carol", "x", 5)]),
            new IdsReached(64, 1_764_000_000_999),
        ];
        foreach (var e in events)
        {
            var serializer = Sys.Serialization.FindSerializerFor(e);
            Assert.IsType<HistoryEventSerializer>(serializer);
            var s = (HistoryEventSerializer)serializer;
            Assert.Equal(e, s.FromBinary(s.ToBinary(e), s.Manifest(e)));
        }
    }

    // Files written by earlier builds must still read: the bytes are protobuf's, fields 1-2 strings and 3 a varint.
    [Fact]
    public void The_bytes_are_those_files_already_hold()
    {
        var s = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(MessagePosted));
        Assert.Equal([10, 1, (byte)'a', 18, 2, 0xC3, 0xA9, 24, 0xAC, 0x02], s.ToBinary(new MessagePosted("a", "é", 300)));
        Assert.Equal([24, 7], s.ToBinary(new HeldDelivered(7)));
        Assert.Equal([10, 2, (byte)'#', (byte)'x', 24, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            s.ToBinary(new MarkedRead("#x", -1)));
    }

    [Fact]
    public void An_inbox_snapshot_entry_without_its_conversation_is_refused()
    {
        var s = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(InboxSnapshot));
        var held = new InboxSnapshot([("", 1, 1)], []);
        Assert.Throws<SerializationException>(() => s.FromBinary(s.ToBinary(held), s.Manifest(held)));
    }

    [Fact]
    public void An_unknown_manifest_or_a_message_without_its_text_is_refused()
    {
        var s = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(MessagePosted));
        Assert.Throws<SerializationException>(() => s.FromBinary(s.ToBinary(new MarkedRead("#x", 1)), "nope"));
        // A "held" payload read as a posted message lacks its text.
        Assert.Throws<SerializationException>(() => s.FromBinary(s.ToBinary(new MessageHeld("#x", 1)), s.Manifest(new MessagePosted("a", "b", 1))));
    }

    [Fact]
    public void A_batch_without_its_first_id_its_messages_or_a_sender_and_ids_reached_without_its_id_are_refused()
    {
        var s = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(MessagesPosted));
        object[] damaged =
        [
            new MessagesPosted(0, [new MessagePosted("a", "b", 1)]), new MessagesPosted(3, []),
            new MessagesPosted(3, [new MessagePosted("", "b", 1)]), new IdsReached(0, 5),
        ];
        foreach (var e in damaged) Assert.Throws<SerializationException>(() => s.FromBinary(s.ToBinary(e), s.Manifest(e)));
    }
}
