using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Segment;

/// <summary>
/// The table work of a <see cref="SharedSegmentStore"/> that no request waits on: opening the file (reused, rebuilt or
/// created, as <see cref="SegmentAdmission.ForStore"/> decides), this node's own row (registration, heartbeat,
/// registering again when it was lost) and the repairs of the tables (dead nodes reaped, damaged slots dropped; the
/// rules are <see cref="SegmentRepair"/>'s, here they are logged). Every method runs inside the store's lock.
/// </summary>
sealed class SegmentUpkeep(string segment, string filePath, string nodeAddress, ILogger log)
{
    readonly HashSet<(ulong, ulong, ulong, ulong)> _names = new(SegmentLayout.ClientCapacity); // scratch for ValidateSlots

    /// <summary>This node's row in the node table.</summary>
    public int NodeIndex { get; private set; }

    // ------------------------------------------------------------------ opening and registering

    /// <param name="store">The data store this node keeps its accounts and history in (<see cref="SegmentLayout.Store"/>);
    /// null: not checked (specs, tools).</param>
    public SegmentMapping OpenOrCreate(byte[]? store = null)
    {
        SegmentMapping? map = null;
        try
        {
            if (!File.Exists(filePath))
                map = Create(generation: 1);
            else
            {
                var euid = ProcessInfo.EffectiveUid();
                FileStatus file;
                try { file = ProcessInfo.FileStatusOf(filePath); }
                catch (IOException e) { throw new SegmentException(SegmentFault.Io, $"cannot stat {filePath}: {e.Message}", e); }
                switch (SegmentAdmission.ForStore(filePath, euid, file, () => SegmentMapping.ReadPrefix(filePath, SegmentLayout.TotalSize + 1), ProcessInfo.IsAlive))
                {
                    case Admission.Refuse refuse:
                        throw refuse.ToException();
                    case Admission.Rebuild rebuild:
                        log.LogWarning("segment {Segment}: rebuilding a damaged segment ({Detail}); no live node uses it", segment, rebuild.Detail);
                        File.Delete(filePath);
                        map = Create(rebuild.Generation);
                        break;
                    default: // Reuse
                        map = SegmentMapping.OpenExisting(filePath, writable: true);
                        var seg = map.Span;
                        var reaped = ReapDeadNodes(seg, ownIndex: -1);
                        var dropped = ValidateSlots(seg);
                        log.LogInformation("segment {Segment}: reusing generation {Generation} ({Reaped} clients of dead nodes reaped, {Dropped} damaged slots dropped)",
                            segment, SegmentLayout.Generation(seg), reaped, dropped);
                        break;
                }
            }

            if (store is not null) AdmitStore(map.Span, store);
            RegisterNode(map.Span);
            return map;
        }
        catch (SegmentException)
        {
            map?.Dispose();
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            map?.Dispose();
            throw new SegmentException(SegmentFault.Io, $"cannot open {filePath}: {e.Message}", e);
        }
        catch
        {
            map?.Dispose();
            throw;
        }
    }

    // Nodes of one segment share names, so they must share the store that says which names are reserved: a node on
    // another data directory would register a reserved name without its password. The first node says which store;
    // a segment whose nodes are all gone takes the next one's.
    void AdmitStore(Span<byte> seg, byte[] store)
    {
        var current = SegmentLayout.Store(seg);
        if (LiveNodes(seg) > 0 && current.IndexOfAnyExcept((byte)0) >= 0 && !current.SequenceEqual(store))
            throw new SegmentException(SegmentFault.OtherStore,
                $"the nodes running on segment '{segment}' keep their accounts and history in another data directory: nodes " +
                "sharing a segment must share one, or a name reserved there would be free here; give this node the same --data as " +
                "theirs, or another --segment");
        SegmentLayout.SetStore(seg, store);
    }

    // A node row in use and whole (a dead node's is reaped before AdmitStore counts them).
    static bool Taken(ReadOnlySpan<byte> row) => NodeRows.IsUsed(row) && SegmentRow.IsIntact(row);

    static int LiveNodes(ReadOnlySpan<byte> seg)
    {
        var n = 0;
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            var row = SegmentLayout.NodeRowSpan(seg, i);
            if (Taken(row)) n++;
        }
        return n;
    }

    SegmentMapping Create(ulong generation)
    {
        var map = SegmentMapping.CreateNew(filePath);
        SegmentLayout.Initialize(map.Span, generation, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ProcessInfo.EffectiveUid());
        log.LogInformation("segment {Segment}: created {Path} (generation {Generation})", segment, filePath, generation);
        return map;
    }

    void RegisterNode(Span<byte> seg)
    {
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            var row = SegmentLayout.NodeRowSpan(seg, i);
            if (Taken(row)) continue;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            NodeRows.Write(row, new NodeRow(ProcessInfo.CurrentPid, ProcessInfo.CurrentStartTicks, now, now, nodeAddress, AkkaUid));
            NodeIndex = i;
            log.LogInformation("segment {Segment}: node {Address} registered in row {Row}", segment, nodeAddress, i);
            return;
        }
        throw new SegmentException(SegmentFault.NodeTableFull, $"{filePath}: all {SegmentLayout.NodeCapacity} node rows belong to live nodes");
    }

    public bool OwnRowIsOurs(ReadOnlySpan<byte> seg) =>
        NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg, NodeIndex), out var n) &&
        n.Pid == ProcessInfo.CurrentPid && n.StartTicks == ProcessInfo.CurrentStartTicks && n.Address == nodeAddress;

    /// <summary>The uid of this node's actor system, kept in its row (<see cref="NodeRow.AkkaUid"/>); 0 until published.</summary>
    public int AkkaUid { get; private set; }

    /// <summary>Writes this node's actor-system uid into its row (and every row it takes again later).</summary>
    public void PublishAkkaUid(Span<byte> seg, int uid)
    {
        AkkaUid = uid;
        if (OwnRowIsOurs(seg)) NodeRows.WriteAkkaUid(SegmentLayout.NodeRowSpan(seg, NodeIndex), uid);
        else RegisterAgain(seg, "lost");
    }

    /// <summary>Takes a new row when this node's own row was lost (reaped by another node) or damaged.</summary>
    public void RegisterAgain(Span<byte> seg, string what)
    {
        log.LogWarning("segment {Segment}: this node's row was {What}; registering again", segment, what);
        RegisterNode(seg);
    }

    // ------------------------------------------------------------------ repairs

    /// <summary>Full validation after a holder died inside the mutex: damaged node rows and slots are dropped.</summary>
    public void Repair(Span<byte> seg)
    {
        ReapDeadNodes(seg, NodeIndex);
        ValidateSlots(seg);
        if (!OwnRowIsOurs(seg)) RegisterAgain(seg, "damaged");
    }

    /// <summary>The periodic pass: this node's heartbeat (or its row again), dead nodes reaped, damaged slots dropped.
    /// Returns how many slots were freed.</summary>
    public int Maintain(Span<byte> seg)
    {
        if (OwnRowIsOurs(seg))
            NodeRows.WriteHeartbeat(SegmentLayout.NodeRowSpan(seg, NodeIndex), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        else
            RegisterAgain(seg, "lost");
        return ReapDeadNodes(seg, NodeIndex) + ValidateSlots(seg);
    }

    /// <summary>Returns the number of client slots freed with the dead nodes.</summary>
    int ReapDeadNodes(Span<byte> seg, int ownIndex)
    {
        var reaped = SegmentRepair.ReapDeadNodes(seg, ownIndex, ProcessInfo.IsAlive);
        var freed = 0;
        for (var i = 0; i < reaped.Count; i++)
        {
            log.LogWarning("segment {Segment}: {Reason}; reaped it and {Count} of its clients", segment, reaped[i].Reason, reaped[i].ClientsFreed);
            freed += reaped[i].ClientsFreed;
        }
        return freed;
    }

    /// <summary>Returns the number of damaged slots dropped.</summary>
    int ValidateSlots(Span<byte> seg)
    {
        var dropped = SegmentRepair.ValidateSlots(seg, _names);
        for (var i = 0; i < dropped.Count; i++)
            LogDropped(dropped[i]);
        return dropped.Count;
    }

    public void LogDropped(SlotDropped d) =>
        log.LogWarning("segment {Segment}: client slot {Slot} is {Reason}; dropped it", segment, d.Slot, d.Reason);
}
