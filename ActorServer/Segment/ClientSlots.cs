using System.Buffers.Binary;
using System.Text;

namespace Switchboard.Server.Segment;

/// <summary>A decoded client slot. <paramref name="FoldHold"/>: not a client but a reserve of <paramref name="Name"/> being
/// decided on its node, which holds the name's case-folded form (<see cref="IStateStore.HoldFold"/>).</summary>
public readonly record struct ClientSlot(int NodeIndex, string Name, long Requests, long SinceUnixSeconds, long Token, bool FoldHold = false);

public enum SlotCheck { Free, Used, Torn, Corrupt }

/// <summary>
/// The codec of a client slot (<see cref="SegmentLayout.SlotSize"/> bytes, written with <see cref="SegmentRow"/>'s protocol):
/// <code>seq u32 | checksum u32 | state u8 | nodeIndex u8 | nameLen u8 | kind u8 | sinceUnixSeconds u32 | name[32] |
/// requests i64 | token i64</code>
/// The kind (once padding, always 0) is 0 for a client and 1 for a fold hold, which only
/// <see cref="SharedSegmentStore.HoldFold"/> looks at: every view of the clients skips it.
/// </summary>
public static class ClientSlots
{
    const int OffNode = 9, OffNameLen = 10, OffKind = 11, OffSince = 12, OffName = 16, OffToken = 56;
    const byte KindClient = 0, KindFoldHold = 1;
    /// <summary>Where the request count sits: one aligned word, outside the slot's checksum (<see cref="SegmentRow"/>).</summary>
    internal const int OffRequests = 48;

    /// <summary>Valid client names (<see cref="Limits.IsValidName"/>); the segment's rows hold at most 32 bytes of one.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name) => name.Length <= SegmentLayout.MaxNameLength && Limits.IsValidName(name);

    static bool IsValidName(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > SegmentLayout.MaxNameLength) return false;
        foreach (var b in name)
            if (!Limits.IsNameChar((char)b)) return false;
        return true;
    }

    /// <summary>Cheap state probe (no checksum): used by hot scans that only need free/used.</summary>
    public static bool IsUsed(ReadOnlySpan<byte> slot) => slot[SegmentRow.OffState] != SegmentRow.StateFree;

    /// <summary>A used slot that holds a client (not a fold hold): cheap, no checksum.</summary>
    public static bool IsClient(ReadOnlySpan<byte> slot) => IsUsed(slot) && slot[OffKind] == KindClient;

    /// <summary>A used slot that is a fold hold: cheap, no checksum.</summary>
    public static bool IsFoldHold(ReadOnlySpan<byte> slot) => IsUsed(slot) && slot[OffKind] == KindFoldHold;

    /// <summary>Full check of a slot, as done when repairing: intact, known state, sane name, node index and token.</summary>
    public static SlotCheck Check(ReadOnlySpan<byte> slot)
    {
        if (!SegmentRow.IsIntact(slot)) return SlotCheck.Torn;
        switch (slot[SegmentRow.OffState])
        {
            case SegmentRow.StateFree:
                return slot[SegmentRow.OffState..].IndexOfAnyExcept((byte)0) < 0 ? SlotCheck.Free : SlotCheck.Corrupt;
            case SegmentRow.StateUsed:
                int len = slot[OffNameLen];
                if (len is 0 or > SegmentLayout.MaxNameLength || !IsValidName(slot.Slice(OffName, len))) return SlotCheck.Corrupt;
                if (slot[(OffName + len)..OffRequests].IndexOfAnyExcept((byte)0) >= 0) return SlotCheck.Corrupt;
                if (slot[OffNode] >= SegmentLayout.NodeCapacity || slot[OffKind] > KindFoldHold) return SlotCheck.Corrupt;
                if ((ulong)Token(slot) - 1 >= SegmentLayout.MaxCounter) return SlotCheck.Corrupt;
                if ((ulong)Requests(slot) > SegmentLayout.MaxSlotRequests) return SlotCheck.Corrupt;
                return SlotCheck.Used;
            default:
                return SlotCheck.Corrupt;
        }
    }

    /// <summary>True when the used slot holds exactly <paramref name="name"/> (ASCII, compared without allocating).</summary>
    public static bool NameEquals(ReadOnlySpan<byte> slot, ReadOnlySpan<char> name)
    {
        int len = slot[OffNameLen];
        if (len != name.Length || len > SegmentLayout.MaxNameLength) return false;
        var stored = slot.Slice(OffName, len);
        for (var i = 0; i < len; i++)
            if (stored[i] != name[i]) return false;
        return true;
    }

    /// <summary>True when the used slot holds <paramref name="name"/> but for the case of its ASCII letters.</summary>
    public static bool NameEqualsIgnoreCase(ReadOnlySpan<byte> slot, ReadOnlySpan<char> name)
    {
        int len = slot[OffNameLen];
        if (len != name.Length || len > SegmentLayout.MaxNameLength) return false;
        var stored = slot.Slice(OffName, len);
        for (var i = 0; i < len; i++)
            if (char.ToLowerInvariant((char)stored[i]) != char.ToLowerInvariant(name[i])) return false;
        return true;
    }

    public static int Node(ReadOnlySpan<byte> slot) => slot[OffNode];

    /// <summary>The 32 name bytes of a slot that <see cref="Check"/> reports as Used, as a value that identifies the
    /// name (names hold no NUL and the bytes after the name are zero): duplicate detection without allocating.</summary>
    public static (ulong, ulong, ulong, ulong) NameKey(ReadOnlySpan<byte> slot) => (
        BinaryPrimitives.ReadUInt64LittleEndian(slot[OffName..]),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[(OffName + 8)..]),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[(OffName + 16)..]),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[(OffName + 24)..]));
    public static long Token(ReadOnlySpan<byte> slot) => SegmentLayout.ReadWord(slot, OffToken);
    public static long Requests(ReadOnlySpan<byte> slot) => SegmentLayout.ReadWord(slot, OffRequests);

    /// <summary>Decodes a slot that <see cref="Check"/> reports as Used; false otherwise.</summary>
    public static bool TryRead(ReadOnlySpan<byte> slot, out ClientSlot client)
    {
        client = default;
        if (Check(slot) != SlotCheck.Used) return false;
        int len = slot[OffNameLen];
        client = new ClientSlot(slot[OffNode], Encoding.ASCII.GetString(slot.Slice(OffName, len)), Requests(slot),
            BinaryPrimitives.ReadUInt32LittleEndian(slot[OffSince..]), Token(slot), slot[OffKind] == KindFoldHold);
        return true;
    }

    public static void Write(Span<byte> slot, in ClientSlot client)
    {
        if (!IsValidName(client.Name)) throw new ArgumentException("name must be 1–32 chars of [A-Za-z0-9_.-]", nameof(client));
        if ((uint)client.NodeIndex >= SegmentLayout.NodeCapacity) throw new ArgumentOutOfRangeException(nameof(client), "node index");
        if (client.Token <= 0) throw new ArgumentOutOfRangeException(nameof(client), "token must be positive");
        SegmentRow.BeginUsed(slot);
        slot[OffNode] = (byte)client.NodeIndex;
        slot[OffNameLen] = (byte)client.Name.Length;
        slot[OffKind] = client.FoldHold ? KindFoldHold : KindClient;
        BinaryPrimitives.WriteUInt32LittleEndian(slot[OffSince..], (uint)Math.Clamp(client.SinceUnixSeconds, 0, uint.MaxValue));
        for (var i = 0; i < client.Name.Length; i++) slot[OffName + i] = (byte)client.Name[i];
        BinaryPrimitives.WriteInt64LittleEndian(slot[OffRequests..], client.Requests);
        BinaryPrimitives.WriteInt64LittleEndian(slot[OffToken..], client.Token);
        SegmentRow.EndWrite(slot);
    }

    /// <summary>requests + 1 (one writer: the claim's owner); returns the new request count.</summary>
    public static long IncrementRequests(Span<byte> slot)
    {
        var r = Requests(slot) + 1;
        SetRequests(slot, r);
        return r;
    }

    /// <summary>Sets a slot's request count: one whole word, outside the checksum, so its session writes it without the
    /// lock and a reader never sees it torn.</summary>
    public static void SetRequests(Span<byte> slot, long requests) => SegmentLayout.WriteWord(slot, OffRequests, requests);
}
