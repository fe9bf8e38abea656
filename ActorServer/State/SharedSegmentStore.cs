using Microsoft.Extensions.Logging;

namespace Switchboard.Server.State;

/// <summary>
/// <see cref="IStateStore"/> over a /dev/shm segment shared by every node on this host, guarded by
/// <see cref="SegmentMutex"/> (a flock on <c>/dev/shm/&lt;segment&gt;.lock</c>, 0600: no other user can take it). Every
/// method takes the lock, does its whole read-modify-write and releases it in the same synchronous call. Not
/// thread-safe beyond that: one owner (the StateActor, on its pinned thread).
///
/// <para>An existing file is reused, rebuilt or refused by <see cref="SegmentAdmission.ForStore"/> (decided under the
/// mutex); the repairs on reuse, after an abandoned lock and in <see cref="Maintain"/> are <see cref="SegmentRepair"/>'s.</para>
/// </summary>
public sealed class SharedSegmentStore : IStateStore
{
    readonly ILogger _log;
    readonly SegmentMutex _mutex;
    readonly SegmentMapping _map;
    readonly HashSet<(ulong, ulong, ulong, ulong)> _names = new(SegmentLayout.ClientCapacity); // scratch for ValidateSlots
    bool _disposed;

    public string Segment { get; }
    public string FilePath { get; }
    public string NodeAddress { get; }
    /// <summary>Told how long each take of the lock waited (the node's metrics); called inside the lock, keep it cheap.</summary>
    public Action<TimeSpan>? LockWaited { get; set; }
    /// <summary>This node's row in the node table.</summary>
    public int NodeIndex { get; private set; }

    public SharedSegmentStore(string segment, string nodeAddress, ILogger logger, TimeSpan mutexTimeout)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (System.Text.Encoding.UTF8.GetByteCount(nodeAddress) is 0 or > SegmentLayout.MaxAddressLength)
            throw new ArgumentException($"node address must be 1–{SegmentLayout.MaxAddressLength} UTF-8 bytes", nameof(nodeAddress));
        Segment = segment;
        FilePath = SegmentMapping.PathFor(segment);
        NodeAddress = nodeAddress;
        _log = logger;
        _mutex = new SegmentMutex(segment, mutexTimeout);
        try
        {
            using var held = _mutex.Enter();
            // nothing is mapped yet to repair: opening validates the segment anyway
            if (held.Abandoned)
                _log.LogWarning("segment {Segment}: the previous lock holder (pid {Pid}) died inside the lock; the segment will be validated", Segment, held.PreviousHolderPid);
            _map = OpenOrCreate();
        }
        catch
        {
            _mutex.Dispose();
            throw;
        }
    }

    public static SharedSegmentStore Open(string segment, string nodeAddress, ILogger logger, TimeSpan mutexTimeout) =>
        new(segment, nodeAddress, logger, mutexTimeout);

    Span<byte> Seg => _map.Span;

    /// <summary>Takes the lock; on abandonment (a holder died inside) repairs the segment before returning.</summary>
    SegmentMutex.Scope Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = LockWaited is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        var held = _mutex.Enter();
        if (started != 0) LockWaited?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        if (!held.Abandoned) return held;
        try
        {
            _log.LogWarning("segment {Segment}: the previous lock holder (pid {Pid}) died inside the lock; validating every slot", Segment, held.PreviousHolderPid);
            Repair();
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    // ------------------------------------------------------------------ opening and registering

    SegmentMapping OpenOrCreate()
    {
        SegmentMapping? map = null;
        try
        {
            if (!File.Exists(FilePath))
                map = Create(generation: 1);
            else
            {
                var euid = ProcessInfo.EffectiveUid();
                FileStatus file;
                try { file = ProcessInfo.FileStatusOf(FilePath); }
                catch (IOException e) { throw new SegmentException(SegmentFault.Io, $"cannot stat {FilePath}: {e.Message}", e); }
                switch (SegmentAdmission.ForStore(FilePath, euid, file, () => SegmentMapping.ReadPrefix(FilePath, SegmentLayout.TotalSize + 1), ProcessInfo.IsAlive))
                {
                    case Admission.Refuse refuse:
                        throw refuse.ToException();
                    case Admission.Rebuild rebuild:
                        _log.LogWarning("segment {Segment}: rebuilding a damaged segment ({Detail}); no live node uses it", Segment, rebuild.Detail);
                        File.Delete(FilePath);
                        map = Create(rebuild.Generation);
                        break;
                    default: // Reuse
                        map = SegmentMapping.OpenExisting(FilePath, writable: true);
                        var seg = map.Span;
                        var reaped = ReapDeadNodes(seg, ownIndex: -1);
                        var dropped = ValidateSlots(seg);
                        _log.LogInformation("segment {Segment}: reusing generation {Generation} ({Reaped} clients of dead nodes reaped, {Dropped} damaged slots dropped)",
                            Segment, SegmentLayout.Generation(seg), reaped, dropped);
                        break;
                }
            }

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
            throw new SegmentException(SegmentFault.Io, $"cannot open {FilePath}: {e.Message}", e);
        }
        catch
        {
            map?.Dispose();
            throw;
        }
    }

    SegmentMapping Create(ulong generation)
    {
        var map = SegmentMapping.CreateNew(FilePath);
        SegmentLayout.Initialize(map.Span, generation, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ProcessInfo.EffectiveUid());
        _log.LogInformation("segment {Segment}: created {Path} (generation {Generation})", Segment, FilePath, generation);
        return map;
    }

    void RegisterNode(Span<byte> seg)
    {
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            var row = SegmentLayout.NodeRowSpan(seg, i);
            if (SegmentLayout.IsNodeUsed(row) && SegmentLayout.IsRowIntact(row)) continue;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            SegmentLayout.WriteNode(row, new NodeRow(ProcessInfo.CurrentPid, ProcessInfo.CurrentStartTicks, now, now, NodeAddress));
            NodeIndex = i;
            _log.LogInformation("segment {Segment}: node {Address} registered in row {Row}", Segment, NodeAddress, i);
            return;
        }
        throw new SegmentException(SegmentFault.NodeTableFull, $"{FilePath}: all {SegmentLayout.NodeCapacity} node rows belong to live nodes");
    }

    bool OwnRowIsOurs(ReadOnlySpan<byte> seg) =>
        SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, NodeIndex), out var n) &&
        n.Pid == ProcessInfo.CurrentPid && n.StartTicks == ProcessInfo.CurrentStartTicks && n.Address == NodeAddress;

    /// <summary>Takes a new row when this node's own row was lost (reaped by another node) or damaged.</summary>
    void RegisterAgain(Span<byte> seg, string what)
    {
        _log.LogWarning("segment {Segment}: this node's row was {What}; registering again", Segment, what);
        RegisterNode(seg);
    }

    // ------------------------------------------------------------------ repair (the rules are in SegmentRepair; here they are logged)

    /// <summary>Full validation after a holder died inside the mutex: damaged node rows and slots are dropped.</summary>
    void Repair()
    {
        var seg = Seg;
        ReapDeadNodes(seg, NodeIndex);
        ValidateSlots(seg);
        if (!OwnRowIsOurs(seg)) RegisterAgain(seg, "damaged");
    }

    /// <summary>Returns the number of client slots freed with the dead nodes.</summary>
    int ReapDeadNodes(Span<byte> seg, int ownIndex)
    {
        var reaped = SegmentRepair.ReapDeadNodes(seg, ownIndex, ProcessInfo.IsAlive);
        var freed = 0;
        for (var i = 0; i < reaped.Count; i++)
        {
            _log.LogWarning("segment {Segment}: {Reason}; reaped it and {Count} of its clients", Segment, reaped[i].Reason, reaped[i].ClientsFreed);
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

    void LogDropped(SlotDropped d) =>
        _log.LogWarning("segment {Segment}: client slot {Slot} is {Reason}; dropped it", Segment, d.Slot, d.Reason);

    // ------------------------------------------------------------------ IStateStore

    public ClaimResult Claim(string name)
    {
        if (!SegmentLayout.IsValidName(name))
            throw new ArgumentException("a client name is 1–32 chars of [A-Za-z0-9_.-]", nameof(name));
        using var held = Enter();
        var seg = Seg;
        if (!OwnRowIsOurs(seg)) RegisterAgain(seg, "lost");
        var free = -1;
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (SegmentLayout.IsSlotUsed(slot))
            {
                if (SegmentLayout.SlotNameEquals(slot, name)) return new ClaimResult(ClaimStatus.Taken, default, default);
            }
            else if (free < 0) free = i;
        }
        if (free < 0) return new ClaimResult(ClaimStatus.Full, default, default);

        // each counter before what it bounds (SegmentRepair.CountersAreSane): a writer killed in between leaves them over, never under
        var token = SegmentLayout.Increment(seg, SegmentLayout.OffNextToken);
        var serverSeq = SegmentLayout.Increment(seg, SegmentLayout.OffServerSeq);
        SegmentLayout.Increment(seg, SegmentLayout.OffTotalRegistrations);
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        SegmentLayout.WriteSlot(SegmentLayout.SlotSpan(seg, free), new ClientSlot(NodeIndex, name, 0, since, token));
        return new ClaimResult(ClaimStatus.Claimed, new SlotHandle(free, token), new SeqPair(1, serverSeq));
    }

    public bool TryCount(SlotHandle slot, out SeqPair seq)
    {
        seq = default;
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity) return false;
        using var held = Enter();
        var seg = Seg;
        var s = SegmentLayout.SlotSpan(seg, slot.Index);
        if (!SegmentLayout.IsSlotUsed(s) || SegmentLayout.SlotToken(s) != slot.Token) return false;
        if (!SegmentLayout.IsRowIntact(s))
        {
            // torn by a writer that died (and whose abandonment another process consumed): never count on it
            LogDropped(new SlotDropped(slot.Index, SegmentRepair.TornSlotReason));
            SegmentLayout.FreeRow(s);
            return false;
        }
        // each counter before what it bounds (SegmentRepair.CountersAreSane)
        var serverSeq = SegmentLayout.Increment(seg, SegmentLayout.OffServerSeq);
        SegmentLayout.Increment(seg, SegmentLayout.OffTotalRequests);
        var requests = SegmentLayout.IncrementRequests(s);
        seq = new SeqPair(requests + 1, serverSeq);
        return true;
    }

    /// <summary>A request batch: one lock section for all its replies (the flock round is most of a count's cost).</summary>
    public bool TryCount(SlotHandle slot, int count, out SeqPair last)
    {
        last = default;
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity || count < 1) return false;
        using var held = Enter();
        var seg = Seg;
        var s = SegmentLayout.SlotSpan(seg, slot.Index);
        if (!SegmentLayout.IsSlotUsed(s) || SegmentLayout.SlotToken(s) != slot.Token) return false;
        if (!SegmentLayout.IsRowIntact(s))
        {
            LogDropped(new SlotDropped(slot.Index, SegmentRepair.TornSlotReason));
            SegmentLayout.FreeRow(s);
            return false;
        }
        long serverSeq = 0, requests = 0;
        for (var i = 0; i < count; i++)
        {
            // each counter before what it bounds (SegmentRepair.CountersAreSane), as in TryCount
            serverSeq = SegmentLayout.Increment(seg, SegmentLayout.OffServerSeq);
            SegmentLayout.Increment(seg, SegmentLayout.OffTotalRequests);
            requests = SegmentLayout.IncrementRequests(s);
        }
        last = new SeqPair(requests + 1, serverSeq);
        return true;
    }

    public bool Release(SlotHandle slot)
    {
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity) return false;
        using var held = Enter();
        var s = SegmentLayout.SlotSpan(Seg, slot.Index);
        if (!SegmentLayout.IsSlotUsed(s) || SegmentLayout.SlotToken(s) != slot.Token) return false;
        SegmentLayout.FreeRow(s);
        return true;
    }

    public bool TryFind(string name, out ClientEntry entry)
    {
        entry = null!;
        if (!SegmentLayout.IsValidName(name)) return false;
        using var held = Enter();
        var seg = Seg;
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (!SegmentLayout.IsSlotUsed(slot) || !SegmentLayout.SlotNameEquals(slot, name)) continue;
            if (!SegmentLayout.TryReadSlot(slot, out var c)) return false;
            entry = SegmentSnapshot.ToEntry(seg, c);
            return true;
        }
        return false;
    }

    public StateSnapshot Snapshot()
    {
        // Copy under the mutex (a few microseconds), decode after releasing it: other nodes wait only for the copy.
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(SegmentLayout.TotalSize);
        try
        {
            using (Enter()) Seg.CopyTo(copy);
            return SegmentSnapshot.Build(copy.AsSpan(0, SegmentLayout.TotalSize));
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(copy); }
    }

    public Census Census()
    {
        var nodes = new List<string>(2);
        var clients = 0;
        using (Enter())
        {
            var seg = Seg;
            for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
                if (SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out var node)) nodes.Add(node.Address);
            for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
                if (SegmentLayout.IsSlotUsed(SegmentLayout.SlotSpan(seg, i))) clients++;
        }
        return new Census(clients, nodes);
    }

    public int Maintain()
    {
        using var held = Enter();
        var seg = Seg;
        if (OwnRowIsOurs(seg))
            SegmentLayout.WriteHeartbeat(SegmentLayout.NodeRowSpan(seg, NodeIndex), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        else
            RegisterAgain(seg, "lost");
        return ReapDeadNodes(seg, NodeIndex) + ValidateSlots(seg);
    }

    /// <summary>Removes this node's clients and row; the last live node also removes the segment file and its lock file
    /// (marked removed first, so a process waiting on it reopens the path: <see cref="SegmentMutex.RemoveLockFile"/>).
    /// A file already gone (another node raced us, or someone removed it) is no error.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            using var held = Enter();
            var seg = Seg;
            if (OwnRowIsOurs(seg))
            {
                SegmentRepair.FreeSlotsOf(seg, NodeIndex);
                SegmentLayout.FreeRow(SegmentLayout.NodeRowSpan(seg, NodeIndex));
            }
            if (!SegmentRepair.TryFindLiveNode(seg, ProcessInfo.IsAlive, out _))
            {
                File.Delete(FilePath);
                _mutex.RemoveLockFile(held);
                _log.LogInformation("segment {Segment}: last node left; removed {Path} and its lock", Segment, FilePath);
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException or SegmentException)
        {
            _log.LogError(e, "segment {Segment}: could not leave the segment cleanly", Segment);
        }
        finally
        {
            _disposed = true;
            _map.Dispose();
            _mutex.Dispose();
        }
    }
}
