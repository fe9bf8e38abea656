using System.Buffers.Binary;
using System.Text;

namespace Switchboard.Server.Segment;

/// <summary>Why a segment was refused.</summary>
public enum SegmentFault
{
    /// <summary>The segment file does not exist (reader only).</summary>
    Missing,
    /// <summary>The file belongs to another user, or the header names another owner uid.</summary>
    NotOwned,
    /// <summary>Not a Switchboard segment (wrong magic) and not an empty/zeroed leftover of an interrupted creation.</summary>
    NotASegment,
    /// <summary>A well-formed header of another layout version or other sizes: another build may be using it.</summary>
    IncompatibleLayout,
    /// <summary>The header is damaged while some node recorded in the file is still alive.</summary>
    CorruptWhileInUse,
    /// <summary>The header is damaged (reader only: the reader never repairs).</summary>
    Corrupt,
    /// <summary>Every node row is taken by a live node.</summary>
    NodeTableFull,
    /// <summary>The segment name is not 1–64 chars of [A-Za-z0-9_.-].</summary>
    BadName,
    /// <summary>Could not open or map the file.</summary>
    Io,
    /// <summary>The file of a running node was cut shorter than the layout (by a process of this user): reading the
    /// mapping past the new end would kill the process (SIGBUS), so the node takes no new work and stops.</summary>
    Truncated,
}

/// <summary>A segment that cannot be used safely. Every refusal of a segment surfaces as this type.</summary>
public sealed class SegmentException(SegmentFault fault, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SegmentFault Fault { get; } = fault;
}

/// <summary>A decoded client slot.</summary>
public readonly record struct ClientSlot(int NodeIndex, string Name, long Requests, long SinceUnixSeconds, long Token);

/// <summary>A decoded node row.</summary>
public readonly record struct NodeRow(int Pid, ulong StartTicks, long StartedUnixMs, long HeartbeatUnixMs, string Address);

public enum SlotCheck { Free, Used, Torn, Corrupt }

/// <summary>
/// The byte layout of the shared segment, as pure functions over a <see cref="Span{T}"/> (no unsafe code, every
/// offset bounds-checked by the span). All integers are little-endian.
/// <code>
/// [0,128)        header: magic u64 | version u32 | headerSize u32 | nodeCapacity u32 | clientCapacity u32 |
///                slotSize u32 | nodeRowSize u32 | generation u64 | createdUnixMs i64 | ownerUid u32 | reserved u32 |
///                headerChecksum u64 (FNV-1a 64 of [0,56))  -- immutable after creation
///                counters (not checksummed, each an aligned 8-byte word, so never torn):
///                @64 serverSeq | @72 totalRequests | @80 totalRegistrations | @88 stressCounter | @96 nextToken
/// [128, +16*128) node rows: seq u32 | checksum u32 | state u8 | addrLen u8 | pad u16 | pid i32 | startTicks u64 |
///                startedUnixMs i64 | heartbeatUnixMs i64 | address[64] | reserved[24]
/// [2176, +4096*64) client slots: seq u32 | checksum u32 | state u8 | nodeIndex u8 | nameLen u8 | pad u8 |
///                sinceUnixSeconds u32 | name[32] | requests i64 | token i64
/// </code>
/// Rows and slots are written as: seq → odd, write fields, seq → even, checksum (64-bit FNV-style mix of the seq word and
/// the 8-byte words of [8,end), folded to 32 bits).
/// A row with an odd seq or a checksum mismatch is torn and must never be trusted.
/// </summary>
public static class SegmentLayout
{
    public const ulong Magic = 0x3147_4553_4442_5753; // "SWBDSEG1" little-endian
    public const uint Version = 1;
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

    // row/slot common
    const int OffSeq = 0, OffChecksum = 4, OffState = 8;
    // node row
    const int NOffAddrLen = 9, NOffPid = 12, NOffStartTicks = 16, NOffStarted = 24, NOffHeartbeat = 32, NOffAddress = 40;
    // client slot
    const int COffNode = 9, COffNameLen = 10, COffSince = 12, COffName = 16, COffRequests = 48, COffToken = 56;

    const byte StateFree = 0, StateUsed = 1;

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
        for (var i = 0; i < NodeCapacity; i++) SealRow(NodeRowSpan(seg, i));
        for (var i = 0; i < ClientCapacity; i++) SealRow(SlotSpan(seg, i));
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

    public static ulong Generation(ReadOnlySpan<byte> seg) => BinaryPrimitives.ReadUInt64LittleEndian(seg[OffGeneration..]);
    public static long CreatedUnixMs(ReadOnlySpan<byte> seg) => BinaryPrimitives.ReadInt64LittleEndian(seg[OffCreated..]);
    public static uint OwnerUid(ReadOnlySpan<byte> seg) => BinaryPrimitives.ReadUInt32LittleEndian(seg[OffOwnerUid..]);

    public static long ReadCounter(ReadOnlySpan<byte> seg, int offset) => BinaryPrimitives.ReadInt64LittleEndian(seg[offset..]);
    public static void WriteCounter(Span<byte> seg, int offset, long value) => BinaryPrimitives.WriteInt64LittleEndian(seg[offset..], value);

    /// <summary>Adds one to a counter and returns the new value.</summary>
    public static long Increment(Span<byte> seg, int offset)
    {
        var v = BinaryPrimitives.ReadInt64LittleEndian(seg[offset..]) + 1;
        BinaryPrimitives.WriteInt64LittleEndian(seg[offset..], v);
        return v;
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

    // ---------------------------------------------------------------- rows (shared by node rows and client slots)

    public static Span<byte> NodeRowSpan(Span<byte> seg, int index)
    {
        if ((uint)index >= NodeCapacity) throw new ArgumentOutOfRangeException(nameof(index));
        return seg.Slice(NodeTableOffset + index * NodeRowSize, NodeRowSize);
    }

    public static ReadOnlySpan<byte> NodeRowSpan(ReadOnlySpan<byte> seg, int index)
    {
        if ((uint)index >= NodeCapacity) throw new ArgumentOutOfRangeException(nameof(index));
        return seg.Slice(NodeTableOffset + index * NodeRowSize, NodeRowSize);
    }

    public static Span<byte> SlotSpan(Span<byte> seg, int index)
    {
        if ((uint)index >= ClientCapacity) throw new ArgumentOutOfRangeException(nameof(index));
        return seg.Slice(ClientTableOffset + index * SlotSize, SlotSize);
    }

    public static ReadOnlySpan<byte> SlotSpan(ReadOnlySpan<byte> seg, int index)
    {
        if ((uint)index >= ClientCapacity) throw new ArgumentOutOfRangeException(nameof(index));
        return seg.Slice(ClientTableOffset + index * SlotSize, SlotSize);
    }

    /// <summary>FNV-1a-style mix over the row's seq word and its 8-byte words from offset 8, folded to 32 bits.
    /// Deterministic across processes (unlike <see cref="HashCode"/>), and a handful of multiplies per slot.</summary>
    static uint RowChecksum(ReadOnlySpan<byte> row)
    {
        const ulong prime = 1099511628211UL;
        var h = (14695981039346656037UL ^ BinaryPrimitives.ReadUInt32LittleEndian(row)) * prime;
        for (var i = 8; i + 8 <= row.Length; i += 8)
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(row[i..])) * prime;
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
        SealRow(row);
    }

    static void SealRow(Span<byte> row) => BinaryPrimitives.WriteUInt32LittleEndian(row[OffChecksum..], RowChecksum(row));

    public static bool IsRowIntact(ReadOnlySpan<byte> row) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(row[OffSeq..]) & 1) == 0 &&
        BinaryPrimitives.ReadUInt32LittleEndian(row[OffChecksum..]) == RowChecksum(row);

    public static uint RowSeq(ReadOnlySpan<byte> row) => BinaryPrimitives.ReadUInt32LittleEndian(row[OffSeq..]);

    /// <summary>Makes a row free (all fields zero) with a proper odd/even write.</summary>
    public static void FreeRow(Span<byte> row)
    {
        BeginWrite(row);
        row[OffState..].Clear();
        EndWrite(row);
    }

    // ---------------------------------------------------------------- node rows

    public static bool IsNodeUsed(ReadOnlySpan<byte> row) => row[OffState] == StateUsed;

    /// <summary>Decodes an intact, used node row; false for a free, torn or malformed one.</summary>
    public static bool TryReadNode(ReadOnlySpan<byte> row, out NodeRow node)
    {
        node = default;
        if (!IsRowIntact(row) || row[OffState] != StateUsed) return false;
        int len = row[NOffAddrLen];
        if (len is 0 or > MaxAddressLength) return false;
        var addr = row.Slice(NOffAddress, len);
        if (!System.Text.Unicode.Utf8.IsValid(addr)) return false;
        node = new NodeRow(
            BinaryPrimitives.ReadInt32LittleEndian(row[NOffPid..]),
            BinaryPrimitives.ReadUInt64LittleEndian(row[NOffStartTicks..]),
            BinaryPrimitives.ReadInt64LittleEndian(row[NOffStarted..]),
            BinaryPrimitives.ReadInt64LittleEndian(row[NOffHeartbeat..]),
            Encoding.UTF8.GetString(addr));
        return node.Pid > 0;
    }

    public static void WriteNode(Span<byte> row, in NodeRow node)
    {
        var addr = Encoding.UTF8.GetBytes(node.Address);
        if (addr.Length is 0 or > MaxAddressLength)
            throw new ArgumentException($"node address must be 1–{MaxAddressLength} UTF-8 bytes", nameof(node));
        if (node.Pid <= 0) throw new ArgumentException("pid must be positive", nameof(node));
        BeginWrite(row);
        row[OffState..].Clear();
        row[OffState] = StateUsed;
        row[NOffAddrLen] = (byte)addr.Length;
        BinaryPrimitives.WriteInt32LittleEndian(row[NOffPid..], node.Pid);
        BinaryPrimitives.WriteUInt64LittleEndian(row[NOffStartTicks..], node.StartTicks);
        BinaryPrimitives.WriteInt64LittleEndian(row[NOffStarted..], node.StartedUnixMs);
        BinaryPrimitives.WriteInt64LittleEndian(row[NOffHeartbeat..], node.HeartbeatUnixMs);
        addr.CopyTo(row[NOffAddress..]);
        EndWrite(row);
    }

    public static void WriteHeartbeat(Span<byte> row, long unixMs)
    {
        BeginWrite(row);
        BinaryPrimitives.WriteInt64LittleEndian(row[NOffHeartbeat..], unixMs);
        EndWrite(row);
    }

    // ---------------------------------------------------------------- client slots

    /// <summary>Valid client names: 1–32 chars of [A-Za-z0-9_.-].</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxNameLength) return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')) return false;
        return true;
    }

    static bool IsValidName(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > MaxNameLength) return false;
        foreach (var b in name)
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'.' or (byte)'-')) return false;
        return true;
    }

    /// <summary>Cheap state probe (no checksum): used by hot scans that only need free/used.</summary>
    public static bool IsSlotUsed(ReadOnlySpan<byte> slot) => slot[OffState] != StateFree;

    /// <summary>Full check of a slot, as done when repairing: intact, known state, sane name, node index and token.</summary>
    public static SlotCheck CheckSlot(ReadOnlySpan<byte> slot)
    {
        if (!IsRowIntact(slot)) return SlotCheck.Torn;
        switch (slot[OffState])
        {
            case StateFree:
                return slot[OffState..].IndexOfAnyExcept((byte)0) < 0 ? SlotCheck.Free : SlotCheck.Corrupt;
            case StateUsed:
                int len = slot[COffNameLen];
                if (len is 0 or > MaxNameLength || !IsValidName(slot.Slice(COffName, len))) return SlotCheck.Corrupt;
                if (slot[(COffName + len)..COffRequests].IndexOfAnyExcept((byte)0) >= 0) return SlotCheck.Corrupt;
                if (slot[COffNode] >= NodeCapacity) return SlotCheck.Corrupt;
                if ((ulong)BinaryPrimitives.ReadInt64LittleEndian(slot[COffToken..]) - 1 >= MaxCounter) return SlotCheck.Corrupt;
                if ((ulong)BinaryPrimitives.ReadInt64LittleEndian(slot[COffRequests..]) > MaxSlotRequests) return SlotCheck.Corrupt;
                return SlotCheck.Used;
            default:
                return SlotCheck.Corrupt;
        }
    }

    /// <summary>True when the used slot holds exactly <paramref name="name"/> (ASCII, compared without allocating).</summary>
    public static bool SlotNameEquals(ReadOnlySpan<byte> slot, ReadOnlySpan<char> name)
    {
        int len = slot[COffNameLen];
        if (len != name.Length || len > MaxNameLength) return false;
        var stored = slot.Slice(COffName, len);
        for (var i = 0; i < len; i++)
            if (stored[i] != name[i]) return false;
        return true;
    }

    public static int SlotNode(ReadOnlySpan<byte> slot) => slot[COffNode];

    /// <summary>The 32 name bytes of a slot that <see cref="CheckSlot"/> reports as Used, as a value that identifies the
    /// name (names hold no NUL and the bytes after the name are zero): duplicate detection without allocating.</summary>
    public static (ulong, ulong, ulong, ulong) SlotNameKey(ReadOnlySpan<byte> slot) => (
        BinaryPrimitives.ReadUInt64LittleEndian(slot[COffName..]),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[(COffName + 8)..]),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[(COffName + 16)..]),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[(COffName + 24)..]));
    public static long SlotToken(ReadOnlySpan<byte> slot) => BinaryPrimitives.ReadInt64LittleEndian(slot[COffToken..]);
    public static long SlotRequests(ReadOnlySpan<byte> slot) => BinaryPrimitives.ReadInt64LittleEndian(slot[COffRequests..]);

    /// <summary>Decodes a slot that <see cref="CheckSlot"/> reports as Used; false otherwise.</summary>
    public static bool TryReadSlot(ReadOnlySpan<byte> slot, out ClientSlot client)
    {
        client = default;
        if (CheckSlot(slot) != SlotCheck.Used) return false;
        int len = slot[COffNameLen];
        client = new ClientSlot(slot[COffNode], Encoding.ASCII.GetString(slot.Slice(COffName, len)),
            BinaryPrimitives.ReadInt64LittleEndian(slot[COffRequests..]),
            BinaryPrimitives.ReadUInt32LittleEndian(slot[COffSince..]),
            BinaryPrimitives.ReadInt64LittleEndian(slot[COffToken..]));
        return true;
    }

    public static void WriteSlot(Span<byte> slot, in ClientSlot client)
    {
        if (!IsValidName(client.Name)) throw new ArgumentException("name must be 1–32 chars of [A-Za-z0-9_.-]", nameof(client));
        if ((uint)client.NodeIndex >= NodeCapacity) throw new ArgumentOutOfRangeException(nameof(client), "node index");
        if (client.Token <= 0) throw new ArgumentOutOfRangeException(nameof(client), "token must be positive");
        BeginWrite(slot);
        slot[OffState..].Clear();
        slot[OffState] = StateUsed;
        slot[COffNode] = (byte)client.NodeIndex;
        slot[COffNameLen] = (byte)client.Name.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(slot[COffSince..], (uint)Math.Clamp(client.SinceUnixSeconds, 0, uint.MaxValue));
        for (var i = 0; i < client.Name.Length; i++) slot[COffName + i] = (byte)client.Name[i];
        BinaryPrimitives.WriteInt64LittleEndian(slot[COffRequests..], client.Requests);
        BinaryPrimitives.WriteInt64LittleEndian(slot[COffToken..], client.Token);
        EndWrite(slot);
    }

    /// <summary>requests + 1 with a proper odd/even write; returns the new request count.</summary>
    public static long IncrementRequests(Span<byte> slot)
    {
        BeginWrite(slot);
        var r = BinaryPrimitives.ReadInt64LittleEndian(slot[COffRequests..]) + 1;
        BinaryPrimitives.WriteInt64LittleEndian(slot[COffRequests..], r);
        EndWrite(slot);
        return r;
    }

    /// <summary>Sets a slot's request count with a proper odd/even write (a repair).</summary>
    public static void SetRequests(Span<byte> slot, long requests)
    {
        BeginWrite(slot);
        BinaryPrimitives.WriteInt64LittleEndian(slot[COffRequests..], requests);
        EndWrite(slot);
    }

    static void RequireWhole(ReadOnlySpan<byte> seg)
    {
        if (seg.Length < TotalSize)
            throw new ArgumentException($"segment needs {TotalSize} bytes, got {seg.Length}", nameof(seg));
    }
}
