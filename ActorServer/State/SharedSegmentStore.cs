using Microsoft.Extensions.Logging;

namespace Switchboard.Server.State;

/// <summary>
/// <see cref="IStateStore"/> over a /dev/shm segment shared by every node on this host, guarded by the named
/// cross-process mutex <c>Global\switchboard-&lt;segment&gt;</c>. Every method takes the mutex, does its whole
/// read-modify-write and releases it in the same synchronous call (a .NET mutex is thread-affine). Not thread-safe
/// beyond that: one owner (the StateActor, on its pinned thread).
///
/// <para><b>Opening an existing file — the rebuild/refuse rule</b> (decided under the mutex):</para>
/// <list type="number">
/// <item>File owned by another uid, or a valid header naming another owner uid → refuse (<see cref="SegmentFault.NotOwned"/>).</item>
/// <item>Valid header of this layout → reuse: drop torn/corrupt node rows and slots, reap dead nodes and their clients.</item>
/// <item>Well-formed header (checksum ok) of another version or other sizes → refuse (<see cref="SegmentFault.IncompatibleLayout"/>):
/// another build may be running on it and the file is never resized or reformatted in place.</item>
/// <item>Wrong magic, or a non-zero file shorter than the header → refuse (<see cref="SegmentFault.NotASegment"/>): we never
/// overwrite a file we do not recognise.</item>
/// <item>Our magic but a damaged header (checksum mismatch), a valid header with the wrong file length, or an empty /
/// all-zero header (a creation cut short) → rebuild, but only when no node row that can still be read (at the standard
/// offsets) belongs to a live process; otherwise refuse (<see cref="SegmentFault.CorruptWhileInUse"/>). A rebuild
/// unlinks the old file and creates a new one (a new inode), so nobody's mapping changes size under them.</item>
/// </list>
/// </summary>
public sealed class SharedSegmentStore : IStateStore
{
    readonly ILogger _log;
    readonly TimeSpan _timeout;
    readonly Mutex _mutex;
    readonly SegmentMapping _map;
    readonly HashSet<(ulong, ulong, ulong, ulong)> _names = new(SegmentLayout.ClientCapacity);
    bool _disposed;

    public string Segment { get; }
    public string FilePath { get; }
    public string NodeAddress { get; }
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
        _timeout = mutexTimeout;
        _mutex = new Mutex(false, SegmentMapping.MutexName(segment));
        try
        {
            _map = EnterThen(OpenOrCreate);
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

    // ------------------------------------------------------------------ mutex

    /// <summary>Takes the mutex; on abandonment (a holder died inside) repairs the segment before returning.</summary>
    void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool taken;
        var abandoned = false;
        try { taken = _mutex.WaitOne(_timeout); }
        catch (AbandonedMutexException)
        {
            taken = true; // we own it now
            abandoned = true;
        }
        if (!taken)
            throw new TimeoutException(
                $"could not take the segment mutex '{SegmentMapping.MutexName(Segment)}' within {_timeout.TotalMilliseconds:0} ms: " +
                "another process holds it (a stuck node, or a debugger paused inside it)");
        if (abandoned)
        {
            try
            {
                _log.LogWarning("segment {Segment}: the previous mutex holder died inside the lock; validating every slot", Segment);
                Repair();
            }
            catch
            {
                _mutex.ReleaseMutex();
                throw;
            }
        }
    }

    T EnterThen<T>(Func<T> body)
    {
        // Only used off the hot path (construction): the segment may not be mapped yet, so no repair here.
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool taken;
        try { taken = _mutex.WaitOne(_timeout); }
        catch (AbandonedMutexException)
        {
            taken = true;
            _log.LogWarning("segment {Segment}: the previous mutex holder died inside the lock; the segment will be validated", Segment);
        }
        if (!taken)
            throw new TimeoutException(
                $"could not take the segment mutex '{SegmentMapping.MutexName(Segment)}' within {_timeout.TotalMilliseconds:0} ms");
        try { return body(); }
        finally { _mutex.ReleaseMutex(); }
    }

    // ------------------------------------------------------------------ opening

    SegmentMapping OpenOrCreate()
    {
        var euid = ProcessInfo.EffectiveUid();
        SegmentMapping? map = null;
        try
        {
            if (!File.Exists(FilePath))
                map = Create(generation: 1);
            else
            {
                uint owner;
                try { owner = ProcessInfo.FileOwnerUid(FilePath); }
                catch (IOException e) { throw new SegmentException(SegmentFault.Io, $"cannot stat {FilePath}: {e.Message}", e); }
                if (owner != euid)
                    throw new SegmentException(SegmentFault.NotOwned, $"{FilePath} belongs to uid {owner}, not to this user (uid {euid}); refusing to map it");

                var prefix = SegmentMapping.ReadPrefix(FilePath, SegmentLayout.TotalSize + 1);
                var check = SegmentLayout.CheckHeader(prefix, out var detail);
                switch (check)
                {
                    case SegmentLayout.HeaderCheck.Valid:
                        if (SegmentLayout.OwnerUid(prefix) != euid)
                            throw new SegmentException(SegmentFault.NotOwned, $"{FilePath} was created by uid {SegmentLayout.OwnerUid(prefix)}, not this user (uid {euid})");
                        map = SegmentMapping.OpenExisting(FilePath, writable: true);
                        var seg = map.Span;
                        var reaped = ReapDeadNodes(seg, ownIndex: -1);
                        var dropped = ValidateSlots(seg);
                        _log.LogInformation("segment {Segment}: reusing generation {Generation} ({Reaped} clients of dead nodes reaped, {Dropped} damaged slots dropped)",
                            Segment, SegmentLayout.Generation(seg), reaped, dropped);
                        break;
                    case SegmentLayout.HeaderCheck.Incompatible:
                        throw new SegmentException(SegmentFault.IncompatibleLayout, $"{FilePath}: {detail}; stop the nodes using it, or remove the file");
                    case SegmentLayout.HeaderCheck.BadMagic:
                    case SegmentLayout.HeaderCheck.TooShort:
                        throw new SegmentException(SegmentFault.NotASegment, $"{FilePath} is not a switchboard segment ({detail}); refusing to overwrite it");
                    default: // Blank, BadChecksum, BadLength (our layout with the wrong file length)
                        if (AnyLiveNode(prefix, out var live))
                            throw new SegmentException(SegmentFault.CorruptWhileInUse, $"{FilePath} is damaged ({detail}) but node {live} is still alive; refusing to rebuild it");
                        _log.LogWarning("segment {Segment}: rebuilding a damaged segment ({Detail}); no live node uses it", Segment, detail);
                        var oldGeneration = prefix.Length >= SegmentLayout.HeaderSize && check != SegmentLayout.HeaderCheck.Blank
                            ? SegmentLayout.Generation(prefix) : 0;
                        File.Delete(FilePath);
                        map = Create(oldGeneration + 1);
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

    /// <summary>True when a node row at the standard offsets of a (possibly damaged) file is intact and its process alive.</summary>
    static bool AnyLiveNode(ReadOnlySpan<byte> prefix, out string which)
    {
        which = "";
        if (prefix.Length < SegmentLayout.ClientTableOffset) return false;
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            if (SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(prefix, i), out var n) && ProcessInfo.IsAlive(n.Pid, n.StartTicks))
            {
                which = $"{n.Address} (pid {n.Pid})";
                return true;
            }
        }
        return false;
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

    // ------------------------------------------------------------------ repair

    /// <summary>Full validation after a holder died inside the mutex: damaged node rows and slots are dropped.</summary>
    void Repair()
    {
        var seg = Seg;
        ReapDeadNodes(seg, NodeIndex);
        ValidateSlots(seg);
        if (!OwnRowIsOurs(seg))
        {
            _log.LogWarning("segment {Segment}: this node's row was damaged; registering again", Segment);
            RegisterNode(seg);
        }
    }

    /// <summary>Frees node rows that are torn, malformed, or whose process is gone (pid missing or start time differs),
    /// with their client slots; returns the number of client slots freed.</summary>
    int ReapDeadNodes(Span<byte> seg, int ownIndex)
    {
        var reaped = 0;
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            if (i == ownIndex) continue;
            var row = SegmentLayout.NodeRowSpan(seg, i);
            string reason;
            if (SegmentLayout.TryReadNode(row, out var n))
            {
                if (ProcessInfo.IsAlive(n.Pid, n.StartTicks)) continue;
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
            reaped += freed;
            _log.LogWarning("segment {Segment}: {Reason}; reaped it and {Count} of its clients", Segment, reason, freed);
        }
        return reaped;
    }

    static int FreeSlotsOf(Span<byte> seg, int nodeIndex)
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

    /// <summary>Drops every slot that is torn (odd seq or checksum mismatch), malformed, a duplicate name, or whose
    /// node row is not in use; returns how many were dropped.</summary>
    int ValidateSlots(Span<byte> seg)
    {
        var dropped = 0;
        var nodeInUse = new bool[SegmentLayout.NodeCapacity];
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
            nodeInUse[i] = SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out _);
        _names.Clear();
        for (var s = 0; s < SegmentLayout.ClientCapacity; s++)
        {
            var slot = SegmentLayout.SlotSpan(seg, s);
            string? reason;
            switch (SegmentLayout.CheckSlot(slot))
            {
                case SlotCheck.Free:
                    continue;
                case SlotCheck.Torn:
                    reason = "torn (odd sequence or checksum mismatch)";
                    break;
                case SlotCheck.Corrupt:
                    reason = "malformed";
                    break;
                default: // Used
                    var node = SegmentLayout.SlotNode(slot);
                    if (nodeInUse[node] && _names.Add(SegmentLayout.SlotNameKey(slot))) continue; // the common case: no allocation
                    SegmentLayout.TryReadSlot(slot, out var c);
                    reason = nodeInUse[node]
                        ? $"'{c.Name}' is a duplicate name"
                        : $"'{c.Name}' belongs to node row {node}, which is not in use";
                    break;
            }
            SegmentLayout.FreeRow(slot);
            dropped++;
            _log.LogWarning("segment {Segment}: client slot {Slot} is {Reason}; dropped it", Segment, s, reason);
        }
        return dropped;
    }

    // ------------------------------------------------------------------ IStateStore

    public ClaimResult Claim(string name)
    {
        if (!SegmentLayout.IsValidName(name))
            throw new ArgumentException("a client name is 1–32 chars of [A-Za-z0-9_.-]", nameof(name));
        Enter();
        try
        {
            var seg = Seg;
            if (!OwnRowIsOurs(seg))
            {
                _log.LogWarning("segment {Segment}: this node's row was lost; registering again", Segment);
                RegisterNode(seg);
            }
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

            var token = SegmentLayout.Increment(seg, SegmentLayout.OffNextToken);
            var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            SegmentLayout.WriteSlot(SegmentLayout.SlotSpan(seg, free), new ClientSlot(NodeIndex, name, 0, since, token));
            SegmentLayout.Increment(seg, SegmentLayout.OffTotalRegistrations);
            var serverSeq = SegmentLayout.Increment(seg, SegmentLayout.OffServerSeq);
            return new ClaimResult(ClaimStatus.Claimed, new SlotHandle(free, token), new SeqPair(1, serverSeq));
        }
        finally { _mutex.ReleaseMutex(); }
    }

    public bool TryCount(SlotHandle slot, out SeqPair seq)
    {
        seq = default;
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity) return false;
        Enter();
        try
        {
            var seg = Seg;
            var s = SegmentLayout.SlotSpan(seg, slot.Index);
            if (!SegmentLayout.IsSlotUsed(s) || SegmentLayout.SlotToken(s) != slot.Token) return false;
            if (!SegmentLayout.IsRowIntact(s))
            {
                // torn by a writer that died (and whose abandonment another process consumed): never count on it
                _log.LogWarning("segment {Segment}: client slot {Slot} is torn (odd sequence or checksum mismatch); dropped it", Segment, slot.Index);
                SegmentLayout.FreeRow(s);
                return false;
            }
            var requests = SegmentLayout.IncrementRequests(s);
            SegmentLayout.Increment(seg, SegmentLayout.OffTotalRequests);
            var serverSeq = SegmentLayout.Increment(seg, SegmentLayout.OffServerSeq);
            seq = new SeqPair(requests + 1, serverSeq);
            return true;
        }
        finally { _mutex.ReleaseMutex(); }
    }

    public bool Release(SlotHandle slot)
    {
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity) return false;
        Enter();
        try
        {
            var s = SegmentLayout.SlotSpan(Seg, slot.Index);
            if (!SegmentLayout.IsSlotUsed(s) || SegmentLayout.SlotToken(s) != slot.Token) return false;
            SegmentLayout.FreeRow(s);
            return true;
        }
        finally { _mutex.ReleaseMutex(); }
    }

    public bool TryFind(string name, out ClientEntry entry)
    {
        entry = null!;
        if (!SegmentLayout.IsValidName(name)) return false;
        Enter();
        try
        {
            var seg = Seg;
            for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
            {
                var slot = SegmentLayout.SlotSpan(seg, i);
                if (!SegmentLayout.IsSlotUsed(slot) || !SegmentLayout.SlotNameEquals(slot, name)) continue;
                if (!SegmentLayout.TryReadSlot(slot, out var c)) return false;
                entry = SegmentReader.ToEntry(seg, c);
                return true;
            }
            return false;
        }
        finally { _mutex.ReleaseMutex(); }
    }

    public StateSnapshot Snapshot()
    {
        // Copy under the mutex (a few microseconds), decode after releasing it: other nodes wait only for the copy.
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(SegmentLayout.TotalSize);
        try
        {
            Enter();
            try { Seg.CopyTo(copy); }
            finally { _mutex.ReleaseMutex(); }
            return SegmentReader.BuildSnapshot(copy.AsSpan(0, SegmentLayout.TotalSize));
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(copy); }
    }

    public Census Census()
    {
        var nodes = new List<string>(2);
        var clients = 0;
        Enter();
        try
        {
            var seg = Seg;
            for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
                if (SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out var node)) nodes.Add(node.Address);
            for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
                if (SegmentLayout.IsSlotUsed(SegmentLayout.SlotSpan(seg, i))) clients++;
        }
        finally { _mutex.ReleaseMutex(); }
        return new Census(clients, nodes);
    }

    public int Maintain()
    {
        Enter();
        try
        {
            var seg = Seg;
            if (OwnRowIsOurs(seg))
                SegmentLayout.WriteHeartbeat(SegmentLayout.NodeRowSpan(seg, NodeIndex), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            else
            {
                _log.LogWarning("segment {Segment}: this node's row was lost; registering again", Segment);
                RegisterNode(seg);
            }
            return ReapDeadNodes(seg, NodeIndex) + ValidateSlots(seg);
        }
        finally { _mutex.ReleaseMutex(); }
    }

    /// <summary>Removes this node's clients and row; the last live node also removes the segment file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            Enter();
            try
            {
                var seg = Seg;
                if (OwnRowIsOurs(seg))
                {
                    FreeSlotsOf(seg, NodeIndex);
                    SegmentLayout.FreeRow(SegmentLayout.NodeRowSpan(seg, NodeIndex));
                }
                var othersAlive = false;
                for (var i = 0; i < SegmentLayout.NodeCapacity && !othersAlive; i++)
                    othersAlive = SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out var n) && ProcessInfo.IsAlive(n.Pid, n.StartTicks);
                if (!othersAlive)
                {
                    File.Delete(FilePath);
                    _log.LogInformation("segment {Segment}: last node left; removed {Path}", Segment, FilePath);
                }
            }
            finally { _mutex.ReleaseMutex(); }
        }
        catch (Exception e) when (e is TimeoutException or IOException)
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
