using System.Runtime.Serialization;
using Akka.Actor;
using Google.Protobuf;
using Switchboard.Messages;
using Switchboard.Server.Cluster.Proto;

namespace Switchboard.Server.Cluster;

/// <summary>
/// <see cref="RelayedBatch"/> as <c>Proto/relay_wire.proto</c>'s <c>RelayedBatchP</c>: each DM and answer as its own
/// fields, and the DMs' reply address (the sending node's inbox) once, where each item used to carry the project's
/// serializer's bytes with the address in them (a path written and resolved per DM: ~1 µs of a DM across nodes,
/// <c>ClusterWireBenchmarks</c>). Strict: 1 to <see cref="NodeLinkActor.MaxItems"/> items, each a DM or an answer,
/// and DMs only with a reply address. <see cref="ClusterWireSerializer"/> signs and checks the bytes.
/// </summary>
internal static class RelayBatchCodec
{
    public static byte[] Write(RelayedBatch m)
    {
        if (m.Items.Length is 0 or > NodeLinkActor.MaxItems)
            throw new SerializationException($"a batch holds 1 to {NodeLinkActor.MaxItems} messages, not {m.Items.Length}");
        var wire = new RelayedBatchP { Origin = m.Origin };
        IActorRef? replyTo = null;
        foreach (var item in m.Items)
            wire.Items.Add(item switch
            {
                Switchboard.Messages.Deliver d when (replyTo ??= d.ReplyTo).Equals(d.ReplyTo) => new RelayItemP
                {
                    Deliver = new RelayDeliverP { Id = d.Id, From = d.From, To = d.To, Text = d.Text, MsgId = d.MsgId, TimeMs = d.TimeMs },
                },
                Switchboard.Messages.Deliver => throw new SerializationException("the DMs of one batch have one reply address"),
                Delivered a => new RelayItemP { Delivered = Answer(a) },
                _ => throw new SerializationException($"not a batchable message: {item.GetType().Name}"),
            });
        if (replyTo is not null) wire.ReplyTo = Akka.Serialization.Serialization.SerializedActorPath(replyTo);
        return wire.ToByteArray();
    }

    private static RelayDeliveredP Answer(Delivered a)
    {
        var p = new RelayDeliveredP { Id = a.Id, Code = a.Code };
        if (a.Error is not null) p.Error = a.Error;
        return p;
    }

    /// <param name="resolve">A reply address's path to its reference, read once per batch.</param>
    public static RelayedBatch Read(ReadOnlySpan<byte> bytes, Func<string, IActorRef> resolve)
    {
        var wire = RelayedBatchP.Parser.ParseFrom(bytes);
        if (wire.Items.Count is 0 or > NodeLinkActor.MaxItems)
            throw new SerializationException($"a batch holds 1 to {NodeLinkActor.MaxItems} messages, not {wire.Items.Count}");
        IActorRef? replyTo = null;
        var items = new ISwitchboardMessage[wire.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var item = wire.Items[i];
            items[i] = item.ItemCase switch
            {
                RelayItemP.ItemOneofCase.Deliver => Dm(item.Deliver, replyTo ??= ReplyTo(wire.ReplyTo, resolve)),
                RelayItemP.ItemOneofCase.Delivered => new Delivered(item.Delivered.Id, item.Delivered.Code,
                    item.Delivered.HasError ? item.Delivered.Error : null),
                _ => throw new SerializationException("a batch item that is neither a DM nor an answer"),
            };
        }
        return new RelayedBatch(items, wire.Origin);
    }

    private static Deliver Dm(RelayDeliverP d, IActorRef replyTo) =>
        new(d.Id, d.From, d.To, d.Text, replyTo, d.MsgId, d.TimeMs);

    private static IActorRef ReplyTo(string path, Func<string, IActorRef> resolve) =>
        path.Length == 0 ? throw new SerializationException("a batch with DMs and no reply address") : resolve(path);
}
