using Google.Protobuf;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The fields of one cluster message, written in call order as protobuf text and varint fields: each message's
/// fields read as one chain in <see cref="ClusterWireSerializer"/>.
/// </summary>
internal sealed class ClusterFieldWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _out;

    public ClusterFieldWriter() => _out = new CodedOutputStream(_buffer);

    public ClusterFieldWriter Text(int field, string value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteString(value);
        return this;
    }

    // Every number on this wire is a varint: an int32 or bool written as int64 has the same bytes (negative int32s are
    // sign-extended to ten bytes either way), so readers keep their ReadInt32/ReadBool.
    public ClusterFieldWriter Number(int field, long value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt64(value);
        return this;
    }

    public ClusterFieldWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _buffer.ToArray();
    }
}
