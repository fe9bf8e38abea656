using Akka.TestKit.Xunit2;
using Google.Protobuf;
using Switchboard.Messages.Wire;

namespace Switchboard.Tests.Messages;

/// <summary>Request and Reply are written field by field: the bytes must be exactly what switchboard.proto's generated code writes and reads.</summary>
public sealed class SerializerWireSpecs() : TestKit(ActorTestConfig.Server())
{
    private SwitchboardSerializer Serializer => (SwitchboardSerializer)Sys.Serialization.FindSerializerForType(typeof(Request));

    public static TheoryData<long, string, string[]> Requests() => new()
    {
        { 7, "add", ["1", "-2"] },
        { 0, "", [] },
        { long.MaxValue, "calc", ["6", "*", "7"] },
        { -1, "prime", ["9223372036854775783"] },
        { 3, "op", ["", "ünïcødé", new string('9', 64), "a", "b", "c", "d", "e", "f"] },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Request_bytes_match_the_generated_message_both_ways(long id, string op, string[] args)
    {
        var generated = new RequestMsg { Id = id, Op = op };
        generated.Args.AddRange(args);
        var bytes = Serializer.ToBinary(new Request(id, op, args));
        Assert.Equal(generated.ToByteArray(), bytes);
        var back = (Request)Serializer.FromBinary(generated.ToByteArray(), "req");
        Assert.Equal((id, op), (back.Id, back.Op));
        Assert.Equal(args, back.Args);
    }

    public static TheoryData<Reply> Replies() =>
    [
        new Reply(1, 200, 2, 3, OpValue.Of(long.MinValue), null),
        new Reply(2, 200, 3, 4, OpValue.Of(0), null),
        new Reply(3, 200, 4, 5, OpValue.Of(false), null),
        new Reply(4, 200, 5, 6, OpValue.Of(true), null),
        new Reply(5, 200, 6, 7, OpValue.Of(""), null),
        new Reply(6, 200, 6, 7, OpValue.Of("odd"), null),
        new Reply(7, 422, 8, 9, OpValue.None, "division by zero"),
        new Reply(0, 0, 0, 0, OpValue.None, null),
        new Reply(-5, -1, -2, -3, OpValue.None, "ünïcødé"),
        new Reply(8, 429, 9, 10, OpValue.None, "rate limit exceeded (200/s)", RetryAfterMs: 5),
        new Reply(9, 429, 10, 11, OpValue.None, "rate limit exceeded (0/s)", RetryAfterMs: long.MaxValue),
    ];

    [Theory]
    [MemberData(nameof(Replies))]
    public void Reply_bytes_match_the_generated_message_both_ways(Reply reply)
    {
        var generated = new ReplyMsg { Id = reply.Id, Code = reply.Code, ClientSeq = reply.ClientSeq, ServerSeq = reply.ServerSeq };
        switch (reply.Value.Kind)
        {
            case ValueKind.Number: generated.Number = reply.Value.Number; break;
            case ValueKind.Flag: generated.Flag = reply.Value.Flag; break;
            case ValueKind.Text: generated.Text = reply.Value.Text; break;
        }
        if (reply.Error is not null) generated.Error = reply.Error;
        generated.RetryAfterMs = reply.RetryAfterMs;
        Assert.Equal(generated.ToByteArray(), Serializer.ToBinary(reply));
        Assert.Equal(reply, Serializer.FromBinary(generated.ToByteArray(), "rep"));
    }

    [Fact]
    public void Unknown_fields_are_skipped_and_malformed_payloads_throw()
    {
        // field 15 (varint 1) before the known ones: a newer peer's addition
        var withUnknown = new byte[] { 0x78, 0x01 }.Concat(new RequestMsg { Id = 9, Op = "even", Args = { "4" } }.ToByteArray()).ToArray();
        var r = (Request)Serializer.FromBinary(withUnknown, "req");
        Assert.Equal((9L, "even", "4"), (r.Id, r.Op, r.Args.Single()));
        var truncated = new ReplyMsg { Id = 1, Error = "division by zero" }.ToByteArray()[..^3];
        Assert.ThrowsAny<InvalidProtocolBufferException>(() => Serializer.FromBinary(truncated, "rep"));
    }

    [Fact]
    public void A_retry_after_is_a_field_of_its_own_after_the_others_which_older_readers_skip_and_its_absence_reads_as_none()
    {
        // What a client without the field reads is the reply as it was, then an unknown field 9 it skips (every
        // protobuf reader does, RequestCodec's default case too); a reply from a server without it reads as 0: none.
        var without = new Reply(8, 429, 9, 10, OpValue.None, "rate limit exceeded (200/s)");
        var with = without with { RetryAfterMs = 5 };
        Assert.Equal([.. Serializer.ToBinary(without), 0x48, 0x05], Serializer.ToBinary(with));
        Assert.Equal(0, ((Reply)Serializer.FromBinary(Serializer.ToBinary(without), "rep")).RetryAfterMs);
        Assert.Equal(with, Serializer.FromBinary(Serializer.ToBinary(with), "rep"));
    }
}
