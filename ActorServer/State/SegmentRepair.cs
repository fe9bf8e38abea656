namespace Switchboard.Server.State;

/// <summary>A node row that <see cref="SegmentRepair.ReapDeadNodes"/> freed, and how many client slots went with it.</summary>
public readonly record struct NodeReaped(int Row, string Reason, int ClientsFreed);

/// <summary>A client slot that <see cref="SegmentRepair.ValidateSlots"/> dropped.</summary>
public readonly record struct SlotDropped(int Slot, string Reason);

/// <summary>
/// Repair of a segment, as pure functions over its bytes: who is alive is injected (<see cref="ProcessLiveness"/>), and
/// each function returns what it did so the caller logs it. Call them under the segment mutex. Nothing to repair (the
/// common case) allocates no list.
/// </summary>
public static class SegmentRepair
{
    /// <summary>Why a slot whose seq is odd or whose checksum does not match is dropped.</summary>
    public const string TornSlotReason = "torn (odd sequence or checksum mismatch)";

    /// <summary>Frees node rows that are torn, malformed, hold stray bytes, or whose process is gone (pid missing or start
    /// time differs), with their client slots. Row <paramref name="ownIndex"/> (-1: none) is left alone.</summary>
    public static IReadOnlyList<NodeReaped> ReapDeadNodes(Span<byte> seg, int ownIndex, ProcessLiveness isAlive)
    {
        List<NodeReaped>? reaped = null;
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            if (i == ownIndex) continue;
            var row = SegmentLayout.NodeRowSpan(seg, i);
            string reason;
            if (SegmentLayout.TryReadNode(row, out var n))
            {
                if (isAlive(n.Pid, n.StartTicks)) continue;
                reason = $"node {n.Address} (pid {n.Pid}) is gone";
            }
            else if (!SegmentLayout.IsRowIntact(row))
                reason = $"node row {i} is torn";
            else if (SegmentLayout.IsNodeUsed(row))
                reason = $"node row {i} is malformed";
            else if (row[8..].IndexOfAnyExcept((byte)0) >= 0)
                reason = $"free node row {i} holds stray bytes";
            else
                continue; // a clean free row

            var freed = FreeSlotsOf(seg, i);
            SegmentLayout.FreeRow(row);
            (reaped ??= []).Add(new NodeReaped(i, reason, freed));
        }
        return (IReadOnlyList<NodeReaped>?)reaped ?? [];
    }

    /// <summary>Frees every used slot of node row <paramref name="nodeIndex"/>; returns how many.</summary>
    public static int FreeSlotsOf(Span<byte> seg, int nodeIndex)
    {
        var freed = 0;
        for (var s = 0; s < SegmentLayout.ClientCapacity; s++)
        {
            var slot = SegmentLayout.SlotSpan(seg, s);
            if (SegmentLayout.IsSlotUsed(slot) && SegmentLayout.SlotNode(slot) == nodeIndex)
            {
                SegmentLayout.FreeRow(slot);
                freed++;
            }
        }
        return freed;
    }

    /// <summary>Drops every slot that is torn (odd seq or checksum mismatch), malformed, a duplicate name, or whose node
    /// row is not in use. <paramref name="names"/> is scratch space the caller keeps (it is cleared here), so validating
    /// a healthy segment allocates nothing.</summary>
    public static IReadOnlyList<SlotDropped> ValidateSlots(Span<byte> seg, HashSet<(ulong, ulong, ulong, ulong)> names)
    {
        List<SlotDropped>? dropped = null;
        Span<bool> nodeInUse = stackalloc bool[SegmentLayout.NodeCapacity];
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
            nodeInUse[i] = SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out _);
        names.Clear();
        for (var s = 0; s < SegmentLayout.ClientCapacity; s++)
        {
            var slot = SegmentLayout.SlotSpan(seg, s);
            string reason;
            switch (SegmentLayout.CheckSlot(slot))
            {
                case SlotCheck.Free:
                    continue;
                case SlotCheck.Torn:
                    reason = TornSlotReason;
                    break;
                case SlotCheck.Corrupt:
                    reason = "malformed";
                    break;
                default: // Used
                    var node = SegmentLayout.SlotNode(slot);
                    if (nodeInUse[node] && names.Add(SegmentLayout.SlotNameKey(slot))) continue; // the common case: no allocation
                    SegmentLayout.TryReadSlot(slot, out var c);
                    reason = nodeInUse[node]
                        ? $"'{c.Name}' is a duplicate name"
                        : $"'{c.Name}' belongs to node row {node}, which is not in use";
                    break;
            }
            SegmentLayout.FreeRow(slot);
            (dropped ??= []).Add(new SlotDropped(s, reason));
        }
        return (IReadOnlyList<SlotDropped>?)dropped ?? [];
    }

    /// <summary>Finds a node row that is intact and whose process is alive. <paramref name="seg"/> may be only the
    /// prefix of a damaged file: rows are read at the standard offsets, and a prefix without a whole node table has none.</summary>
    public static bool TryFindLiveNode(ReadOnlySpan<byte> seg, ProcessLiveness isAlive, out NodeRow node)
    {
        if (seg.Length >= SegmentLayout.ClientTableOffset)
            for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
                if (SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out node) && isAlive(node.Pid, node.StartTicks))
                    return true;
        node = default;
        return false;
    }
}
