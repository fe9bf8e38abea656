using System.Runtime.Serialization;
using Google.Protobuf;

namespace Switchboard.Messages;

/// <summary>
/// The wire codec of the hot path: Request and Reply carry every operation, so they (and their batches) are written
/// and read field by field with Google.Protobuf's primitives, byte-for-byte the encoding of RequestMsg / ReplyMsg
/// (and RequestBatchMsg / ReplyBatchMsg) in switchboard.proto, without building the intermediate message objects.
/// Unknown fields are skipped, as the generated parser does; malformed input throws. Used by <see cref="SwitchboardSerializer"/>.
/// </summary>
internal static class RequestCodec
{
    private const uint IdTag = 8, OpTag = 18, ArgsTag = 26;
    private const uint CodeTag = 16, ClientSeqTag = 24, ServerSeqTag = 32, NumberTag = 40, FlagTag = 48, TextTag = 58, ErrorTag = 66, RetryAfterTag = 72;

    public static byte[] Write(Request r) { var o = Exact(SizeOf(r), out var bytes); Write(o, r); return Done(o, bytes); }
    public static byte[] Write(Reply r) { var o = Exact(SizeOf(r), out var bytes); Write(o, r); return Done(o, bytes); }

    // One buffer of exactly the computed size: a size that disagrees with what was written throws.
    private static CodedOutputStream Exact(int size, out byte[] bytes) => new(bytes = new byte[size]);

    private static byte[] Done(CodedOutputStream o, byte[] bytes)
    {
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static int SizeOf(Request r)
    {
        var size = 0;
        if (r.Id != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.Id);
        if (r.Op.Length != 0) size += 1 + CodedOutputStream.ComputeStringSize(r.Op);
        foreach (var a in r.Args) size += 1 + CodedOutputStream.ComputeStringSize(a);
        return size;
    }

    private static void Write(CodedOutputStream o, Request r)
    {
        WriteInt64(o, IdTag, r.Id);
        if (r.Op.Length != 0)
        {
            o.WriteRawTag((byte)OpTag);
            o.WriteString(r.Op);
        }
        foreach (var a in r.Args)
        {
            o.WriteRawTag((byte)ArgsTag);
            o.WriteString(a);
        }
    }

    public static Request ReadRequest(byte[] bytes) => ReadRequest(new CodedInputStream(bytes));

    private static Request ReadRequest(CodedInputStream input)
    {
        long id = 0;
        var op = "";
        string[] args = [];
        var count = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case IdTag: id = input.ReadInt64(); break;
                case OpTag: op = input.ReadString(); break;
                case ArgsTag:
                    // Refused before it is read on: a frame of 150,000 one-byte arguments cost the node its latency for
                    // everyone, and decoding comes before any rate limit.
                    if (count == Limits.MaxArgs) throw new SerializationException($"a request carries at most {Limits.MaxArgs} arguments");
                    if (count == args.Length) Array.Resize(ref args, Math.Min(Limits.MaxArgs, Math.Max(2, count * 2)));
                    args[count++] = input.ReadString();
                    break;
                default: input.SkipLastField(); break;
            }
        }
        if (count != args.Length) Array.Resize(ref args, count);
        return new Request(id, op, args);
    }

    private static int SizeOf(Reply r)
    {
        var size = 0;
        if (r.Id != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.Id);
        if (r.Code != 0) size += 1 + CodedOutputStream.ComputeInt32Size(r.Code);
        if (r.ClientSeq != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.ClientSeq);
        if (r.ServerSeq != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.ServerSeq);
        switch (r.Value.Kind)
        {
            case ValueKind.Number: size += 1 + CodedOutputStream.ComputeInt64Size(r.Value.Number); break;
            case ValueKind.Flag: size += 2; break;
            case ValueKind.Text: size += 1 + CodedOutputStream.ComputeStringSize(r.Value.Text ?? ""); break;
        }
        if (!string.IsNullOrEmpty(r.Error)) size += 1 + CodedOutputStream.ComputeStringSize(r.Error);
        if (r.RetryAfterMs != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.RetryAfterMs);
        return size;
    }

    // A proto3 int64 field: absent when zero.
    private static void WriteInt64(CodedOutputStream o, uint tag, long value)
    {
        if (value == 0) return;
        o.WriteRawTag((byte)tag);
        o.WriteInt64(value);
    }

    private static void Write(CodedOutputStream o, Reply r)
    {
        WriteInt64(o, IdTag, r.Id);
        if (r.Code != 0)
        {
            o.WriteRawTag((byte)CodeTag);
            o.WriteInt32(r.Code);
        }
        WriteInt64(o, ClientSeqTag, r.ClientSeq);
        WriteInt64(o, ServerSeqTag, r.ServerSeq);
        switch (r.Value.Kind)
        {
            case ValueKind.Number:
                o.WriteRawTag((byte)NumberTag);
                o.WriteInt64(r.Value.Number);
                break;
            case ValueKind.Flag:
                o.WriteRawTag((byte)FlagTag);
                o.WriteBool(r.Value.Flag);
                break;
            case ValueKind.Text:
                o.WriteRawTag((byte)TextTag);
                o.WriteString(r.Value.Text ?? "");
                break;
        }
        if (!string.IsNullOrEmpty(r.Error))
        {
            o.WriteRawTag((byte)ErrorTag);
            o.WriteString(r.Error);
        }
        WriteInt64(o, RetryAfterTag, r.RetryAfterMs);
    }

    public static Reply ReadReply(byte[] bytes) => ReadReply(new CodedInputStream(bytes));

    private static Reply ReadReply(CodedInputStream input)
    {
        long id = 0, clientSeq = 0, serverSeq = 0, retryAfter = 0;
        var code = 0;
        var value = OpValue.None;
        var error = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case IdTag: id = input.ReadInt64(); break;
                case CodeTag: code = input.ReadInt32(); break;
                case ClientSeqTag: clientSeq = input.ReadInt64(); break;
                case ServerSeqTag: serverSeq = input.ReadInt64(); break;
                case NumberTag: value = OpValue.Of(input.ReadInt64()); break;
                case FlagTag: value = OpValue.Of(input.ReadBool()); break;
                case TextTag: value = OpValue.Of(input.ReadString()); break;
                case ErrorTag: error = input.ReadString(); break;
                case RetryAfterTag: retryAfter = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new Reply(id, code, clientSeq, serverSeq, value, error.Length == 0 ? null : error, retryAfter);
    }

    // A batch is field 1 repeated, each item length-delimited (RequestBatchMsg / ReplyBatchMsg), written in one
    // buffer. Reading stops past Limits.MaxBatch items: a peer cannot make us decode an unbounded batch.
    private const uint ItemTag = 10;

    public static byte[] Write(RequestBatch b) => WriteBatch(b.Requests, SizeOf, Write);
    public static byte[] Write(ReplyBatch b) => WriteBatch(b.Replies, SizeOf, Write);
    public static RequestBatch ReadRequestBatch(byte[] bytes) => new(ReadBatch(bytes, ReadRequest));
    public static ReplyBatch ReadReplyBatch(byte[] bytes) => new(ReadBatch(bytes, ReadReply));

    private static byte[] WriteBatch<T>(T[] items, Func<T, int> sizeOf, Action<CodedOutputStream, T> write)
    {
        if (items.Length > Limits.MaxBatch) throw new ArgumentException($"a batch carries at most {Limits.MaxBatch} items, not {items.Length}", nameof(items));
        Span<int> sizes = stackalloc int[items.Length];
        var total = 0;
        for (var i = 0; i < items.Length; i++)
        {
            sizes[i] = sizeOf(items[i]);
            total += 1 + CodedOutputStream.ComputeLengthSize(sizes[i]) + sizes[i];
        }
        var bytes = new byte[total];
        var o = new CodedOutputStream(bytes);
        for (var i = 0; i < items.Length; i++)
        {
            o.WriteRawTag((byte)ItemTag);
            o.WriteLength(sizes[i]);
            write(o, items[i]);
        }
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static T[] ReadBatch<T>(byte[] bytes, Func<CodedInputStream, T> read)
    {
        var input = new CodedInputStream(bytes);
        var items = new List<T>(8);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag != ItemTag)
            {
                input.SkipLastField();
                continue;
            }
            if (items.Count == Limits.MaxBatch) throw new SerializationException($"a batch carries at most {Limits.MaxBatch} items");
            var start = (int)input.Position;
            input.SkipLastField(); // the item: its length, then that many bytes (checked against the buffer)
            var item = new CodedInputStream(bytes, start, (int)input.Position - start);
            item.ReadLength(); // the rest of this stream is the item's fields
            items.Add(read(item));
        }
        return [.. items];
    }
}
