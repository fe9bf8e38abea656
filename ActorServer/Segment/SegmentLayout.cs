using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Server.Segment;

/// <summary>
/// The byte layout of the shared segment, as pure functions over a <see cref="Span{T}"/> (no unsafe code, every
/// offset bounds-checked by the span): sizes, the header, the counters and where each row sits. All integers are
/// little-endian. The rows' write protocol is <see cref="SegmentRow"/>'s, their fields <see cref="NodeRows"/>' and
/// <see cref="ClientSlots"/>'.
/// <code>
/// [0,128)        header: magic u64 | version u32 | headerSize u32 | nodeCapacity u32 | clientCapacity u32 |
///                slotSize u32 | nodeRowSize u32 | generation u64 | createdUnixMs i64 | ownerUid u32 | reserved u32 |
///                headerChecksum u64 (FNV-1a 64 of [0,56))  -- immutable after creation
///                counters (not checksummed, each an aligned 8-byte word, so never torn):
///                @64 serverSeq | @72 totalRequests | @80 totalRegistrations | @88 stressCounter | @96 nextToken
///                @104 store (16 bytes: which data store the nodes share, zero until a node says; set under the lock)
/// [128, +16*128) node rows (<see cref="NodeRows"/>)
/// [2176, +4096*64) client slots (<see cref="ClientSlots"/>)
/// </code>
/// </summary>
public static class SegmentLayout
{
    public const ulong Magic = 0x3147_4553_4442_5753; // "SWBDSEG1" little-endian
    /// <summary>2: a client slot's request count is outside its checksum (its session adds to it without the lock).</summary>
    public const uint Version = 2;
    public const int HeaderSize = 128;
    public const int NodeCapacity = 16;
    public const int NodeRowSize = 128;
    public const int ClientCapacity = 4096;
    public const int SlotSize = 64;
    public const int MaxNameLength = 32;
    public const int MaxAddressLength = 64;
    public const int NodeTableOffset = HeaderSize;
    public const int ClientTableOffset = NodeTableOffset + NodeCapacity * NodeRowSize;
    public const int TotalSize = ClientTableOffset + ClientCapacity * SlotSize;

    // header fields
    const int OffMagic = 0, OffVersion = 8, OffHeaderSize = 12, OffNodeCap = 16, OffClientCap = 20, OffSlotSize = 24,
        OffNodeRowSize = 28, OffGeneration = 32, OffCreated = 40, OffOwnerUid = 48, OffHeaderChecksum = 56;
    const int ChecksummedHeaderLength = 56;
    /// <summary>The header bytes that never change after creation: the checksummed fields and the checksum.</summary>
    public const int ImmutableHeaderLength = 64;

    /// <summary>Ranges of the grow-only values, far beyond what counting can reach (2^48 requests of one client is 9
    /// years at a million a second) and small enough that no sum or increment of them overflows: a value outside is
    /// corrupt. Totals and tokens ≤ 2^60 (4,096 slots × 2^48 fit), serverSeq ≤ 2^62 (both totals fit).</summary>
    public const long MaxSlotRequests = 1L << 48, MaxCounter = 1L << 60, MaxServerSeq = 1L << 62;

    // counters
    public const int OffServerSeq = 64, OffTotalRequests = 72, OffTotalRegistrations = 80, OffStressCounter = 88,
        OffNextToken = 96;

    // ---------------------------------------------------------------- header

    /// <summary>Writes a fresh segment: header, zeroed counters, every node row and slot free with a valid checksum.</summary>
    public static void Initialize(Span<byte> seg, ulong generation, long createdUnixMs, uint ownerUid)
    {
        RequireWhole(seg);
        seg[..TotalSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(seg[OffMagic..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffVersion..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffHeaderSize..], HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffNodeCap..], NodeCapacity);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffClientCap..], ClientCapacity);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffSlotSize..], SlotSize);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffNodeRowSize..], NodeRowSize);
        BinaryPrimitives.WriteUInt64LittleEndian(seg[OffGeneration..], generation);
        BinaryPrimitives.WriteInt64LittleEndian(seg[OffCreated..], createdUnixMs);
        BinaryPrimitives.WriteUInt32LittleEndian(seg[OffOwnerUid..], ownerUid);
        BinaryPrimitives.WriteInt64LittleEndian(seg[OffNextToken..], 1);
        for (var i = 0; i < NodeCapacity; i++) SegmentRow.Seal(NodeRowSpan(seg, i));
        for (var i = 0; i < ClientCapacity; i++) SegmentRow.Seal(SlotSpan(seg, i));
        // the header checksum is written last: a creation cut short leaves an invalid header
        BinaryPrimitives.WriteUInt64LittleEndian(seg[OffHeaderChecksum..], HeaderChecksum(seg));
    }

    public enum HeaderCheck { Valid, TooShort, Blank, BadMagic, BadChecksum, Incompatible, BadLength }

    /// <summary>Classifies the header of <paramref name="seg"/> (any length, any bytes).</summary>
    public static HeaderCheck CheckHeader(ReadOnlySpan<byte> seg, out string detail)
    {
        detail = "";
        if (seg.Length < HeaderSize)
        {
            detail = $"file is {seg.Length} bytes, shorter than the {HeaderSize}-byte header";
            return seg.IndexOfAnyExcept((byte)0) < 0 ? HeaderCheck.Blank : HeaderCheck.TooShort;
        }
        if (seg[..HeaderSize].IndexOfAnyExcept((byte)0) < 0) { detail = "header is all zero"; return HeaderCheck.Blank; }
        var magic = BinaryPrimitives.ReadUInt64LittleEndian(seg[OffMagic..]);
        if (magic != Magic) { detail = $"magic is 0x{magic:x16}, expected 0x{Magic:x16}"; return HeaderCheck.BadMagic; }
        if (BinaryPrimitives.ReadUInt64LittleEndian(seg[OffHeaderChecksum..]) != HeaderChecksum(seg))
        {
            detail = "header checksum mismatch";
            return HeaderCheck.BadChecksum;
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(seg[OffVersion..]);
        var hs = BinaryPrimitives.ReadUInt32LittleEndian(seg[OffHeaderSize..]);
        var nc = BinaryPrimitives.ReadUInt32LittleEndian(seg[OffNodeCap..]);
        var cc = BinaryPrimitives.ReadUInt32LittleEndian(seg[OffClientCap..]);
        var ss = BinaryPrimitives.ReadUInt32LittleEndian(seg[OffSlotSize..]);
        var nr = BinaryPrimitives.ReadUInt32LittleEndian(seg[OffNodeRowSize..]);
        if (version != Version || hs != HeaderSize || nc != NodeCapacity || cc != ClientCapacity || ss != SlotSize ||
            nr != NodeRowSize)
        {
            detail = $"layout v{version} (header {hs}, nodes {nc}x{nr}, clients {cc}x{ss}); this build expects " +
                     $"v{Version} (header {HeaderSize}, nodes {NodeCapacity}x{NodeRowSize}, clients {ClientCapacity}x{SlotSize})";
            return HeaderCheck.Incompatible;
        }
        if (seg.Length != TotalSize)
        {
            detail = $"file is {seg.Length} bytes, the layout needs {TotalSize}";
            return HeaderCheck.BadLength;
        }
        return HeaderCheck.Valid;
    }

    /// <summary>Where the header says which data store the segment's nodes share (<see cref="StoreLength"/> bytes: a
    /// digest of its file's canonical path; all zero when unset). Not checksummed: set by the first node to open the
    /// segment, under the lock.</summary>
    public const int OffStore = 104, StoreLength = 16;

    public static ReadOnlySpan<byte> Store(ReadOnlySpan<byte> seg) => seg.Slice(OffStore, StoreLength);

    public static void SetStore(Span<byte> seg, ReadOnlySpan<byte> store) => store[..StoreLength].CopyTo(seg.Slice(OffStore, StoreLength));

    public static ulong Generation(ReadOnlySpan<byte> seg) => BinaryPrimitives.ReadUInt64LittleEndian(seg[OffGeneration..]);
    public static long CreatedUnixMs(ReadOnlySpan<byte> seg) => BinaryPrimitives.ReadInt64LittleEndian(seg[OffCreated..]);
    public static uint OwnerUid(ReadOnlySpan<byte> seg) => BinaryPrimitives.ReadUInt32LittleEndian(seg[OffOwnerUid..]);

    /// <summary>Adds one to a counter and returns the new value (atomic: sessions add to serverSeq and totalRequests
    /// without the lock, <see cref="Add"/>).</summary>
    public static long Increment(Span<byte> seg, int offset) => Add(seg, offset, 1);

    /// <summary>Adds <paramref name="n"/> to an aligned 8-byte word and returns the new value, atomically across every
    /// process that maps the segment (a locked add on shared memory: the segment is little-endian, as this machine).</summary>
    public static long Add(Span<byte> seg, int offset, long n) => Interlocked.Add(ref Word(seg, offset), n);

    /// <summary>Replaces a word that still holds <paramref name="expected"/> (a repair racing lock-free adders).</summary>
    public static bool Replace(Span<byte> seg, int offset, long expected, long value) =>
        Interlocked.CompareExchange(ref Word(seg, offset), value, expected) == expected;

    /// <summary>Reads an aligned 8-byte word whole (another thread or process may be adding to it).</summary>
    public static long ReadWord(ReadOnlySpan<byte> seg, int offset) =>
        Volatile.Read(ref Unsafe.As<byte, long>(ref MemoryMarshal.GetReference(seg[offset..(offset + 8)])));

    /// <summary>Writes an aligned 8-byte word whole.</summary>
    public static void WriteWord(Span<byte> seg, int offset, long value) => Volatile.Write(ref Word(seg, offset), value);

    // The span's own bounds check; the word is aligned as its offset is (the mapping starts on a page, an array on 8 bytes).
    static ref long Word(Span<byte> seg, int offset) =>
        ref Unsafe.As<byte, long>(ref MemoryMarshal.GetReference(seg[offset..(offset + 8)]));

    /// <summary>Copies a segment rows first, header last: sessions add to the header's counters before their slots
    /// without the lock, so the copy never shows a slot ahead of the counters that bound it.</summary>
    public static void CopyOrdered(ReadOnlySpan<byte> seg, Span<byte> to)
    {
        seg[HeaderSize..TotalSize].CopyTo(to[HeaderSize..]);
        seg[..HeaderSize].CopyTo(to);
    }

    /// <summary>Recomputes the header checksum (tests use it to forge well-formed headers of other layouts).</summary>
    internal static void ResealHeader(Span<byte> seg) =>
        BinaryPrimitives.WriteUInt64LittleEndian(seg[OffHeaderChecksum..], HeaderChecksum(seg));

    static ulong HeaderChecksum(ReadOnlySpan<byte> seg)
    {
        var h = 14695981039346656037UL;
        foreach (var b in seg[..ChecksummedHeaderLength]) h = (h ^ b) * 1099511628211UL;
        return h;
    }

    // ---------------------------------------------------------------- where the rows sit

    public static Span<byte> NodeRowSpan(Span<byte> seg, int index) => seg.Slice(NodeRowOffset(index), NodeRowSize);
    public static ReadOnlySpan<byte> NodeRowSpan(ReadOnlySpan<byte> seg, int index) => seg.Slice(NodeRowOffset(index), NodeRowSize);
    public static Span<byte> SlotSpan(Span<byte> seg, int index) => seg.Slice(SlotOffset(index), SlotSize);
    public static ReadOnlySpan<byte> SlotSpan(ReadOnlySpan<byte> seg, int index) => seg.Slice(SlotOffset(index), SlotSize);

    static int NodeRowOffset(int index) =>
        (uint)index < NodeCapacity ? NodeTableOffset + index * NodeRowSize : throw new ArgumentOutOfRangeException(nameof(index));

    static int SlotOffset(int index) =>
        (uint)index < ClientCapacity ? ClientTableOffset + index * SlotSize : throw new ArgumentOutOfRangeException(nameof(index));

    static void RequireWhole(ReadOnlySpan<byte> seg)
    {
        if (seg.Length < TotalSize)
            throw new ArgumentException($"segment needs {TotalSize} bytes, got {seg.Length}", nameof(seg));
    }
}
