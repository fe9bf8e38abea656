using System.Buffers.Binary;
using System.Text;

namespace Switchboard.Server.Segment;

/// <summary>A decoded node row. <paramref name="AkkaUid"/>: the uid of the node's actor system, which its handshakes carry
/// (0 until the node has published it): how the other nodes tell it from a peer that writes its address.</summary>
public readonly record struct NodeRow(int Pid, ulong StartTicks, long StartedUnixMs, long HeartbeatUnixMs, string Address, int AkkaUid = 0);

/// <summary>
/// The codec of a node row (<see cref="SegmentLayout.NodeRowSize"/> bytes, written with <see cref="SegmentRow"/>'s protocol):
/// <code>seq u32 | checksum u32 | state u8 | addrLen u8 | pad u16 | pid i32 | startTicks u64 | startedUnixMs i64 |
/// heartbeatUnixMs i64 | address[64] | akkaUid i32 | reserved[20]</code> (akkaUid was reserved, so 0, before it was written)
/// </summary>
public static class NodeRows
{
    const int OffAddrLen = 9, OffPid = 12, OffStartTicks = 16, OffStarted = 24, OffHeartbeat = 32, OffAddress = 40, OffAkkaUid = 104;

    public static bool IsUsed(ReadOnlySpan<byte> row) => row[SegmentRow.OffState] == SegmentRow.StateUsed;

    /// <summary>Decodes an intact, used node row; false for a free, torn or malformed one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> row, out NodeRow node)
    {
        node = default;
        if (!SegmentRow.IsIntact(row) || !IsUsed(row)) return false;
        int len = row[OffAddrLen];
        if (len is 0 or > SegmentLayout.MaxAddressLength) return false;
        var addr = row.Slice(OffAddress, len);
        if (!System.Text.Unicode.Utf8.IsValid(addr)) return false;
        node = new NodeRow(
            BinaryPrimitives.ReadInt32LittleEndian(row[OffPid..]),
            BinaryPrimitives.ReadUInt64LittleEndian(row[OffStartTicks..]),
            BinaryPrimitives.ReadInt64LittleEndian(row[OffStarted..]),
            BinaryPrimitives.ReadInt64LittleEndian(row[OffHeartbeat..]),
            Encoding.UTF8.GetString(addr),
            BinaryPrimitives.ReadInt32LittleEndian(row[OffAkkaUid..]));
        return node.Pid > 0;
    }

    public static void Write(Span<byte> row, in NodeRow node)
    {
        var addr = Encoding.UTF8.GetBytes(node.Address);
        if (addr.Length is 0 or > SegmentLayout.MaxAddressLength)
            throw new ArgumentException($"node address must be 1–{SegmentLayout.MaxAddressLength} UTF-8 bytes", nameof(node));
        if (node.Pid <= 0) throw new ArgumentException("pid must be positive", nameof(node));
        SegmentRow.BeginUsed(row);
        row[OffAddrLen] = (byte)addr.Length;
        BinaryPrimitives.WriteInt32LittleEndian(row[OffPid..], node.Pid);
        BinaryPrimitives.WriteUInt64LittleEndian(row[OffStartTicks..], node.StartTicks);
        BinaryPrimitives.WriteInt64LittleEndian(row[OffStarted..], node.StartedUnixMs);
        BinaryPrimitives.WriteInt64LittleEndian(row[OffHeartbeat..], node.HeartbeatUnixMs);
        addr.CopyTo(row[OffAddress..]);
        BinaryPrimitives.WriteInt32LittleEndian(row[OffAkkaUid..], node.AkkaUid);
        SegmentRow.EndWrite(row);
    }

    public static void WriteAkkaUid(Span<byte> row, int uid)
    {
        SegmentRow.BeginWrite(row);
        BinaryPrimitives.WriteInt32LittleEndian(row[OffAkkaUid..], uid);
        SegmentRow.EndWrite(row);
    }

    public static void WriteHeartbeat(Span<byte> row, long unixMs)
    {
        SegmentRow.BeginWrite(row);
        BinaryPrimitives.WriteInt64LittleEndian(row[OffHeartbeat..], unixMs);
        SegmentRow.EndWrite(row);
    }
}
