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
            new MessageHeld("@alice@bob", 42), new HeldDelivered(7), new MarkedRead("#lobby", long.MaxValue),
        ];
        foreach (var e in events)
        {
            var serializer = Sys.Serialization.FindSerializerFor(e);
            Assert.IsType<HistoryEventSerializer>(serializer);
            var s = (HistoryEventSerializer)serializer;
            Assert.Equal(e, s.FromBinary(s.ToBinary(e), s.Manifest(e)));
        }
    }

    [Fact]
    public void An_unknown_manifest_or_a_message_without_its_text_is_refused()
    {
        var s = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(MessagePosted));
        Assert.Throws<SerializationException>(() => s.FromBinary(s.ToBinary(new MarkedRead("#x", 1)), "nope"));
        // A "held" payload read as a posted message lacks its text.
        Assert.Throws<SerializationException>(() => s.FromBinary(s.ToBinary(new MessageHeld("#x", 1)), s.Manifest(new MessagePosted("a", "b", 1))));
    }
}
