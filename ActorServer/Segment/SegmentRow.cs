using System.Buffers.Binary;

namespace Switchboard.Server.Segment;

/// <summary>
/// The write protocol every row of the segment follows (node rows and client slots alike): seq → odd, write the
/// fields, seq → even, checksum (a 64-bit FNV-style mix of the seq word and the 8-byte words of [8,end), folded to
/// 32 bits). A row with an odd seq or a checksum mismatch is torn and must never be trusted.
/// Layout of the first 9 bytes, common to both kinds: seq u32 | checksum u32 | state u8.
/// </summary>
public static class SegmentRow
{
    internal const int OffSeq = 0, OffChecksum = 4, OffState = 8;
    internal const byte StateFree = 0, StateUsed = 1;

    /// <summary>FNV-1a-style mix over the row's seq word and its 8-byte words from offset 8, folded to 32 bits.
    /// Deterministic across processes (unlike <see cref="HashCode"/>), and a handful of multiplies per slot. A client
    /// slot's request count is left out: its session writes it without the lock (<see cref="ClientSlots.SetRequests"/>).</summary>
    static uint Checksum(ReadOnlySpan<byte> row)
    {
        const ulong prime = 1099511628211UL;
        var unsummed = row.Length == SegmentLayout.SlotSize ? ClientSlots.OffRequests : -1;
        var h = (14695981039346656037UL ^ BinaryPrimitives.ReadUInt32LittleEndian(row)) * prime;
        for (var i = 8; i + 8 <= row.Length; i += 8)
            if (i != unsummed) h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(row[i..])) * prime;
        h ^= h >> 29;
        return (uint)h ^ (uint)(h >> 32);
    }

    /// <summary>First half of a row write: seq becomes odd. Anyone who sees the row now knows it is torn.</summary>
    public static void BeginWrite(Span<byte> row)
    {
        var seq = BinaryPrimitives.ReadUInt32LittleEndian(row[OffSeq..]);
        BinaryPrimitives.WriteUInt32LittleEndian(row[OffSeq..], (seq | 1) == seq ? seq : seq + 1);
    }

    /// <summary>Second half of a row write: seq becomes even again and the checksum covers the new contents.</summary>
    public static void EndWrite(Span<byte> row)
    {
        var seq = BinaryPrimitives.ReadUInt32LittleEndian(row[OffSeq..]);
        BinaryPrimitives.WriteUInt32LittleEndian(row[OffSeq..], (seq & 1) == 1 ? seq + 1 : seq + 2);
        Seal(row);
    }

    /// <summary>Writes the checksum of the row as it is (a fresh segment's free rows).</summary>
    internal static void Seal(Span<byte> row) => BinaryPrimitives.WriteUInt32LittleEndian(row[OffChecksum..], Checksum(row));

    public static bool IsIntact(ReadOnlySpan<byte> row) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(row[OffSeq..]) & 1) == 0 &&
        BinaryPrimitives.ReadUInt32LittleEndian(row[OffChecksum..]) == Checksum(row);

    public static uint Seq(ReadOnlySpan<byte> row) => BinaryPrimitives.ReadUInt32LittleEndian(row[OffSeq..]);

    /// <summary>Makes a row free (all fields zero) with a proper odd/even write.</summary>
    public static void Free(Span<byte> row)
    {
        BeginWrite(row);
        row[OffState..].Clear();
        EndWrite(row);
    }

    /// <summary>Starts writing a used row: odd seq, every field after the seq and checksum cleared, state used.</summary>
    internal static void BeginUsed(Span<byte> row)
    {
        BeginWrite(row);
        row[OffState..].Clear();
        row[OffState] = StateUsed;
    }
}
