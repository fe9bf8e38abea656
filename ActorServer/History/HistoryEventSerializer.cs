using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace Switchboard.Server.History;

/// <summary>
/// The history's events in the journal, in protobuf's encoding (strings in fields 1–2, numbers in 3–4), written with
/// Google.Protobuf's primitives; those with lists (an inbox's snapshot, a batch of messages) and the ids' mark by their
/// schemas (<c>History/Proto/history_store.proto</c>). Strict like
/// the wire serializer: an unknown manifest or a missing field throws, and the recovery fails instead of guessing.
/// </summary>
public sealed class HistoryEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Apart from the node's other serializers (4241 refusing, 4242 wire, 4243 cluster wire, 4244 accounts).</summary>
    public const int Id = 4245;
    /// <summary>The journal's manifest of <see cref="InboxCleared"/>: what the operator's release waits to see compacted.</summary>
    public const string InboxClearedManifest = "cleared";
    private const string PostedM = "posted", HeldM = "held", DeliveredM = "held-done", ReadM = "read", ClearedM = InboxClearedManifest,
        InboxM = "inbox", DroppedM = "held-dropped", BatchM = "posted-batch", ReachedM = "ids-reached", ForgotM = "read-forgotten";
    private const uint FirstTag = 10, SecondTag = 18, NumberTag = 24;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        MessagePosted => PostedM,
        MessagesPosted => BatchM,
        IdsReached => ReachedM,
        MessageHeld => HeldM,
        HeldDelivered => DeliveredM,
        HeldDropped => DroppedM,
        MarkedRead => ReadM,
        MarkerForgotten => ForgotM,
        InboxCleared => ClearedM,
        InboxSnapshot => InboxM,
        _ => throw new ArgumentException($"{o.GetType()} is not a history event", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        MessagePosted e => Write(e.From, e.Text, e.TimeMs),
        MessageHeld e => Write(e.Conversation, null, e.MsgId),
        HeldDelivered e => Write(null, null, e.UpTo),
        HeldDropped e => Write(null, null, e.Seq),
        MarkedRead e => Write(e.Conversation, null, e.MsgId),
        MarkerForgotten e => Write(e.Conversation, null, 0),
        InboxCleared => Write(null, null, 0),
        InboxSnapshot e => ToProto(e).ToByteArray(),
        MessagesPosted e => ToProto(e).ToByteArray(),
        IdsReached e => new Proto.IdsReachedP { LastId = e.LastId, NewestMs = e.NewestMs }.ToByteArray(),
        _ => throw new ArgumentException($"{obj.GetType()} is not a history event", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        switch (manifest)
        {
            case InboxM: return FromProto(Proto.InboxSnapshotP.Parser.ParseFrom(bytes));
            case BatchM: return FromProto(Proto.PostedBatchP.Parser.ParseFrom(bytes));
            case ReachedM:
                var reached = Proto.IdsReachedP.Parser.ParseFrom(bytes);
                return reached.LastId > 0 ? new IdsReached(reached.LastId, reached.NewestMs) : throw new SerializationException("ids-reached without its id");
        }
        var (first, second, number) = Read(bytes);
        return manifest switch
        {
            PostedM => new MessagePosted(Required(first), Required(second), number),
            HeldM => new MessageHeld(Required(first), number),
            DeliveredM => new HeldDelivered(number),
            DroppedM => new HeldDropped(number),
            ReadM => new MarkedRead(Required(first), number),
            ForgotM => new MarkerForgotten(Required(first)),
            ClearedM => InboxCleared.Instance,
            _ => throw new SerializationException($"unknown history event manifest '{manifest}'"),
        };
    }

    private static Proto.InboxSnapshotP ToProto(InboxSnapshot e)
    {
        var p = new Proto.InboxSnapshotP();
        foreach (var (conversation, msgId, seq) in e.Held) p.Held.Add(new Proto.HeldP { Conversation = conversation, MsgId = msgId, Seq = seq });
        foreach (var (conversation, msgId) in e.Read) p.Read.Add(new Proto.MarkerP { Conversation = conversation, MsgId = msgId });
        return p;
    }

    private static InboxSnapshot FromProto(Proto.InboxSnapshotP p) => new(
        [.. p.Held.Select(h => (Known(h.Conversation), h.MsgId, h.Seq))],
        [.. p.Read.Select(r => (Known(r.Conversation), r.MsgId))]);

    private static Proto.PostedBatchP ToProto(MessagesPosted e)
    {
        var p = new Proto.PostedBatchP { FirstId = e.FirstId };
        foreach (var m in e.Messages) p.Lines.Add(new Proto.PostedLineP { From = m.From, Text = m.Text, TimeMs = m.TimeMs });
        return p;
    }

    // An empty batch is never written, and ids start at 1: either would be a damaged row, not a guess to make.
    private static MessagesPosted FromProto(Proto.PostedBatchP p) => p.FirstId > 0 && p.Lines.Count > 0
        ? new MessagesPosted(p.FirstId, [.. p.Lines.Select(l => new MessagePosted(l.From.Length > 0 ? l.From : throw new SerializationException("a posted message without its sender"), l.Text, l.TimeMs))])
        : throw new SerializationException("a batch of posted messages without its first id or its messages");

    // proto3 reads an absent string as empty; no conversation has an empty key.
    private static string Known(string conversation) =>
        conversation.Length > 0 ? conversation : throw new SerializationException("an inbox snapshot entry without its conversation");

    private static string Required(string? s) => s ?? throw new SerializationException("a history event without one of its fields");

    // Sized first and written straight into the result (a stream-backed CodedOutputStream takes a 4 KiB buffer per event).
    private static byte[] Write(string? first, string? second, long number)
    {
        var size = 1 + CodedOutputStream.ComputeInt64Size(number);
        if (first is not null) size += 1 + CodedOutputStream.ComputeStringSize(first);
        if (second is not null) size += 1 + CodedOutputStream.ComputeStringSize(second);
        var bytes = new byte[size];
        var o = new CodedOutputStream(bytes);
        if (first is not null)
        {
            o.WriteRawTag((byte)FirstTag);
            o.WriteString(first);
        }
        if (second is not null)
        {
            o.WriteRawTag((byte)SecondTag);
            o.WriteString(second);
        }
        o.WriteRawTag((byte)NumberTag);
        o.WriteInt64(number);
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static (string? First, string? Second, long Number) Read(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string? first = null, second = null;
        var number = 0L;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case FirstTag: first = input.ReadString(); break;
                case SecondTag: second = input.ReadString(); break;
                case NumberTag: number = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }
        return (first, second, number);
    }
}
