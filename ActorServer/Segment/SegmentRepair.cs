namespace Switchboard.Server.Segment;

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
            if (NodeRows.TryRead(row, out var n))
            {
                if (isAlive(n.Pid, n.StartTicks)) continue;
                reason = $"node {n.Address} (pid {n.Pid}) is gone";
            }
            else if (!SegmentRow.IsIntact(row))
                reason = $"node row {i} is torn";
            else if (NodeRows.IsUsed(row))
                reason = $"node row {i} is malformed";
            else if (row[8..].IndexOfAnyExcept((byte)0) >= 0)
                reason = $"free node row {i} holds stray bytes";
            else
                continue; // a clean free row

            var freed = FreeSlotsOf(seg, i);
            SegmentRow.Free(row);
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
            if (ClientSlots.IsUsed(slot) && ClientSlots.Node(slot) == nodeIndex)
            {
                SegmentRow.Free(slot);
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
            nodeInUse[i] = NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg, i), out _);
        names.Clear();
        for (var s = 0; s < SegmentLayout.ClientCapacity; s++)
        {
            var slot = SegmentLayout.SlotSpan(seg, s);
            string reason;
            switch (ClientSlots.Check(slot))
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
                    var node = ClientSlots.Node(slot);
                    // A fold hold shares its name with its reserver's own slot: only clients' names must be unique.
                    if (nodeInUse[node] && (ClientSlots.IsFoldHold(slot) || names.Add(ClientSlots.NameKey(slot)))) continue; // the common case: no allocation
                    ClientSlots.TryRead(slot, out var c);
                    reason = nodeInUse[node]
                        ? $"'{c.Name}' is a duplicate name"
                        : $"'{c.Name}' belongs to node row {node}, which is not in use";
                    break;
            }
            SegmentRow.Free(slot);
            (dropped ??= []).Add(new SlotDropped(s, reason));
        }
        return (IReadOnlyList<SlotDropped>?)dropped ?? [];
    }

    /// <summary>Checks the counters that can only grow against what they bound, on a whole segment whose header is valid:
    /// none is negative; nextToken (the last token issued, 1 when fresh) is ≥ 1 and ≥ every used slot's token;
    /// totalRegistrations ≥ the used slots; totalRequests ≥ the sum of the used slots' requests; serverSeq ≥
    /// totalRequests + totalRegistrations. The store increments the bounding counter before what it bounds, so a writer
    /// killed anywhere leaves them over, never under; only intact used slots count (a torn one is dropped anyway).
    /// Returns false with <paramref name="detail"/> when the segment is damaged.</summary>
    public static bool CountersAreSane(ReadOnlySpan<byte> seg, out string detail)
    {
        // What is bounded before what bounds it: sessions add to serverSeq, totalRequests and then their slot without
        // the lock, so reading in the other order never sees a bound behind what it bounds.
        var (maxToken, used, sumRequests) = TableBounds(seg);
        var nextToken = SegmentLayout.ReadWord(seg, SegmentLayout.OffNextToken);
        var registrations = SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRegistrations);
        var requests = SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRequests);
        var serverSeq = SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq);
        detail = "";
        if (serverSeq < 0 || requests < 0 || registrations < 0 || nextToken < 1)
            detail = $"a counter is out of range (serverSeq {serverSeq}, totalRequests {requests}, totalRegistrations {registrations}, nextToken {nextToken})";
        else if (serverSeq < requests || serverSeq - requests < registrations)
            detail = $"serverSeq {serverSeq} is less than totalRequests {requests} + totalRegistrations {registrations}";
        else if (nextToken < maxToken)
            detail = $"nextToken {nextToken} is less than the token {maxToken} of a client slot";
        else if (registrations < used)
            detail = $"totalRegistrations {registrations} is less than the {used} clients in the table";
        else if (requests < sumRequests)
            detail = $"totalRequests {requests} is less than the {sumRequests} requests of the clients in the table";
        return detail.Length == 0;
    }

    /// <summary>What the client table proves about the counters: the highest token in use (fold holds' too), the clients' slots and the sum
    /// of their requests (only slots that <see cref="ClientSlots.Check"/> passes, so every value is in range and the
    /// sum is at most 4,096 × 2^48 = 2^60).</summary>
    public static (long MaxToken, long Used, long SumRequests) TableBounds(ReadOnlySpan<byte> seg)
    {
        long used = 0, sumRequests = 0, maxToken = 0;
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (!ClientSlots.IsUsed(slot) || ClientSlots.Check(slot) != SlotCheck.Used) continue;
            maxToken = Math.Max(maxToken, ClientSlots.Token(slot));
            if (ClientSlots.IsFoldHold(slot)) continue; // its token is counted, but it is no registration
            used++;
            sumRequests += ClientSlots.Requests(slot);
        }
        return (maxToken, used, sumRequests);
    }

    /// <summary>
    /// Checks the four grow-only counters where a lock section reads them (cheap: four words of one cache line, no
    /// allocation unless something is repaired), and repairs each that is out of range or below what is proven of it:
    /// its <paramref name="floors"/> (what this process has seen: a counter never goes back), and the lower bounds the
    /// caller knows (<paramref name="minNextToken"/>, the highest token in use, null to leave nextToken alone;
    /// <paramref name="minRegistrations"/>, <paramref name="minRequests"/>: the table's, <see cref="TableBounds"/>).
    /// serverSeq is also kept ≥ totalRequests + totalRegistrations. A repaired value is the least one proven, so the
    /// counters pass <see cref="CountersAreSane"/> again (given the bounds of the whole table) and other nodes can open
    /// the segment. Returns what was repaired, for one log line, or null; the floors then hold the repaired values.
    /// </summary>
    public static string? RepairCounters(Span<byte> seg, CounterFloors floors, long? minNextToken, long minRegistrations = 0, long minRequests = 0)
    {
        for (var attempt = 0; attempt < 8; attempt++)
            if (TryRepairCounters(seg, floors, minNextToken, minRegistrations, minRequests, out var repaired))
                return repaired;
        return null; // sessions kept adding between the read and the write: looked at again at the next section
    }

    // One try: false when a session added to serverSeq or totalRequests between the read and the repair.
    static bool TryRepairCounters(Span<byte> seg, CounterFloors floors, long? minNextToken, long minRegistrations, long minRequests, out string? repaired)
    {
        repaired = null;
        // in the order CountersAreSane reads them: what is bounded before what bounds it
        var nextToken = SegmentLayout.ReadWord(seg, SegmentLayout.OffNextToken);
        var registrations = SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRegistrations);
        var requests = SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRequests);
        var serverSeq = SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq);

        var requests2 = Proven(requests, Math.Max(floors.TotalRequests, minRequests), SegmentLayout.MaxCounter);
        var registrations2 = Proven(registrations, Math.Max(floors.TotalRegistrations, minRegistrations), SegmentLayout.MaxCounter);
        var serverSeq2 = Proven(serverSeq, Math.Max(floors.ServerSeq, requests2 + registrations2), SegmentLayout.MaxServerSeq);
        var nextToken2 = minNextToken is { } min
            ? Proven(nextToken, Math.Max(Math.Max(floors.NextToken, min), 1), SegmentLayout.MaxCounter)
            : nextToken;
        if (serverSeq2 == serverSeq && requests2 == requests && registrations2 == registrations && nextToken2 == nextToken)
            return true;
        // Sessions add to these two without the lock: each is replaced only if nothing was added since it was read.
        if (requests2 != requests && !SegmentLayout.Replace(seg, SegmentLayout.OffTotalRequests, requests, requests2)) return false;
        if (serverSeq2 != serverSeq && !SegmentLayout.Replace(seg, SegmentLayout.OffServerSeq, serverSeq, serverSeq2)) return false;

        var detail = new System.Text.StringBuilder();
        Describe(detail, "nextToken", nextToken, nextToken2, SegmentLayout.MaxCounter, "the tokens in use or issued by this node");
        Describe(detail, "totalRegistrations", registrations, registrations2, SegmentLayout.MaxCounter, "the clients in the table or counted by this node");
        Describe(detail, "totalRequests", requests, requests2, SegmentLayout.MaxCounter, "the requests in the table or counted by this node");
        Describe(detail, "serverSeq", serverSeq, serverSeq2, SegmentLayout.MaxServerSeq, "the totals or what this node counted");
        SegmentLayout.WriteWord(seg, SegmentLayout.OffNextToken, nextToken2);
        SegmentLayout.WriteWord(seg, SegmentLayout.OffTotalRegistrations, registrations2);
        floors.Set(serverSeq2, requests2, registrations2, minNextToken is null ? floors.NextToken : nextToken2);
        repaired = detail.ToString();
        return true;
    }

    // The bounds are in range by construction (floors only take in-range values; the table's sums fit), so the result is too.
    static long Proven(long value, long min, long max) => value >= min && value <= max ? value : Math.Min(min, max);

    static void Describe(System.Text.StringBuilder detail, string name, long was, long now, long max, string proof)
    {
        if (was == now) return;
        if (detail.Length > 0) detail.Append("; ");
        detail.Append($"{name} {was} repaired to {now} ({(was < 0 || was > max ? "out of range" : "below " + proof)})");
    }

    /// <summary>Finds a node row that is intact and whose process is alive. <paramref name="seg"/> may be only the
    /// prefix of a damaged file: rows are read at the standard offsets, and a prefix without a whole node table has none.</summary>
    public static bool TryFindLiveNode(ReadOnlySpan<byte> seg, ProcessLiveness isAlive, out NodeRow node)
    {
        if (seg.Length >= SegmentLayout.ClientTableOffset)
            for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
                if (NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg, i), out node) && isAlive(node.Pid, node.StartTicks))
                    return true;
        node = default;
        return false;
    }
}
