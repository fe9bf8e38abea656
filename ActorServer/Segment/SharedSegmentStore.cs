using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Segment;

/// <summary>
/// <see cref="IStateStore"/> over a /dev/shm segment shared by every node on this host, guarded by
/// <see cref="SegmentMutex"/> (a flock on <c>/dev/shm/&lt;segment&gt;.lock</c>, 0600: no other user can take it). Every
/// method takes the lock, does its whole read-modify-write and releases it in the same synchronous call. Not
/// thread-safe beyond that: one owner (the registry's SegmentBackend, on the registry's pinned thread).
///
/// <para>Here: the lock and the counting; the checks wherever the segment is read are <see cref="SegmentChecks"/>'s. Opening (reuse, rebuild or refusal,
/// decided under the mutex by <see cref="SegmentAdmission.ForStore"/>), this node's row and the table repairs on reuse,
/// after an abandoned lock and in <see cref="Maintain"/> are <see cref="SegmentUpkeep"/>'s (the rules
/// <see cref="SegmentRepair"/>'s).</para>
/// </summary>
public sealed class SharedSegmentStore : IStateStore
{
    readonly ILogger _log;
    readonly SegmentMutex _mutex;
    readonly SegmentMapping _map;
    readonly SegmentUpkeep _upkeep;
    readonly SegmentChecks _checks;
    bool _disposed;

    public string Segment { get; }
    public string FilePath { get; }
    public string NodeAddress { get; }
    /// <summary>Told how long each take of the lock waited (the node's metrics); called inside the lock, keep it cheap.</summary>
    public Action<TimeSpan>? LockWaited { get; set; }
    /// <summary>This node's row in the node table.</summary>
    public int NodeIndex => _upkeep.NodeIndex;

    /// <param name="store">Which data store this node keeps accounts and history in (<see cref="StoreDigest"/>): refused
    /// when the segment's live nodes keep theirs elsewhere; null: not checked.</param>
    public SharedSegmentStore(string segment, string nodeAddress, ILogger logger, TimeSpan mutexTimeout, byte[]? store = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (System.Text.Encoding.UTF8.GetByteCount(nodeAddress) is 0 or > SegmentLayout.MaxAddressLength)
            throw new ArgumentException($"node address must be 1–{SegmentLayout.MaxAddressLength} UTF-8 bytes", nameof(nodeAddress));
        Segment = segment;
        FilePath = SegmentMapping.PathFor(segment);
        NodeAddress = nodeAddress;
        _log = logger;
        _mutex = new SegmentMutex(segment, mutexTimeout);
        _upkeep = new SegmentUpkeep(segment, FilePath, nodeAddress, logger);
        try
        {
            using var held = _mutex.Enter();
            // nothing is mapped yet to repair: opening validates the segment anyway
            if (held.Abandoned)
                _log.LogWarning("segment {Segment}: the previous lock holder (pid {Pid}) died inside the lock; the segment will be validated", Segment, held.PreviousHolderPid);
            _map = _upkeep.OpenOrCreate(store);
            _checks = new SegmentChecks(segment, FilePath, _map, logger);
            _checks.Opened(Seg);
        }
        catch
        {
            _mutex.Dispose();
            throw;
        }
    }

    public static SharedSegmentStore Open(string segment, string nodeAddress, ILogger logger, TimeSpan mutexTimeout, byte[]? store = null) =>
        new(segment, nodeAddress, logger, mutexTimeout, store);

    /// <summary>What the segment's header records of a data store: a digest of its file's path, the directory's canonical
    /// (the file itself may not exist yet).</summary>
    public static byte[] StoreDigest(string file) =>
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            Path.Combine(ProcessInfo.CanonicalPath(Path.GetDirectoryName(Path.GetFullPath(file))!), Path.GetFileName(file))))[..SegmentLayout.StoreLength];

    Span<byte> Seg => _map.Span;

    /// <summary>Takes the lock and checks the file's length and the header before anything reads the mapping; on
    /// abandonment (a holder died inside) repairs the segment before returning.</summary>
    SegmentMutex.Scope Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_checks.Truncated is { } truncated) throw new SegmentException(SegmentFault.Truncated, truncated);
        var started = LockWaited is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        var held = _mutex.Enter();
        if (started != 0) LockWaited?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        try
        {
            _checks.Length();
            _checks.Header(Seg);
            if (held.Abandoned)
            {
                _log.LogWarning("segment {Segment}: the previous lock holder (pid {Pid}) died inside the lock; validating every slot", Segment, held.PreviousHolderPid);
                Repair();
            }
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    // ------------------------------------------------------------------ counting without the lock (issue 22)

    /// <summary>A counter for a claim of this node, for its session (<see cref="SlotCounter"/>).</summary>
    public ReplyCounter CounterFor(SlotHandle slot) => new SlotCounter(this, slot);

    /// <summary>Takes <paramref name="n"/> serverSeq numbers for the claim in <paramref name="slot"/> and records its new
    /// request count, on the calling session's thread, without the lock: atomic adds on the shared words, each counter
    /// before what it bounds (serverSeq, totalRequests, then the slot), as the locked sections do, so a process killed
    /// between two of them leaves the counters over, never under. Only the claim's session writes its slot's count.
    /// The file's length is checked first, as every lock section does: reading past a cut-short file kills the process.</summary>
    internal Counting CountLockFree(SlotHandle slot, int n, long requests, out long first, out string? broken)
    {
        first = 0;
        broken = null;
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity || n < 1) return Counting.Lost;
        if (!_map.TryEnter()) return Counting.Lost; // the node is stopping: its store is gone
        try
        {
            if (_checks.Truncated is { } truncated)
            {
                broken = truncated;
                return Counting.Broken;
            }
            if (_map.FileLength() < SegmentLayout.TotalSize)
            {
                broken = _checks.CutShort(_map.FileLength());
                return Counting.Broken;
            }
            var seg = _map.Entered;
            var s = SegmentLayout.SlotSpan(seg, slot.Index);
            // Reaped, released or reused (another token): the claim is gone. A release that lands between this check
            // and the write below leaves a count in a row that is not this claim's: the next claim of the row writes
            // its own, and a free row with one is dropped as malformed by the next look.
            if (!ClientSlots.IsUsed(s) || ClientSlots.Token(s) != slot.Token) return Counting.Lost;
            var last = _checks.TakeServerSeqs(seg, n);
            SegmentLayout.Add(seg, SegmentLayout.OffTotalRequests, n);
            ClientSlots.SetRequests(s, requests);
            first = last - n + 1;
            return Counting.Counted;
        }
        catch (ObjectDisposedException)
        {
            return Counting.Lost;
        }
        finally
        {
            _map.Leave();
        }
    }

    // ------------------------------------------------------------------ repair (the table's in SegmentUpkeep; the counters' here)

    /// <summary>Full validation after a holder died inside the mutex: damaged node rows and slots are dropped.</summary>
    void Repair()
    {
        _upkeep.Repair(Seg);
        _checks.TableCounters(Seg);
    }

    // ------------------------------------------------------------------ IStateStore

    // The lock, for a change of the table in this node's name (a claim, a fold hold): its row first, if it was lost.
    SegmentMutex.Scope EnterToTake(string name)
    {
        if (!ClientSlots.IsValidName(name))
            throw new ArgumentException("a client name is 1–32 chars of [A-Za-z0-9_.-]", nameof(name));
        var held = Enter();
        try
        {
            if (!_upkeep.OwnRowIsOurs(Seg)) _upkeep.RegisterAgain(Seg, "lost");
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    public ClaimResult Claim(string name)
    {
        using var held = EnterToTake(name);
        var seg = Seg;
        var free = -1;
        // The scan reads every used slot anyway: the highest token in use bounds nextToken, the used slots and their
        // requests bound the totals (sessions add to those without the lock, so this node's floors lag behind them).
        long maxToken = 0, used = 0, sumRequests = 0;
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (ClientSlots.IsUsed(slot))
            {
                var t = ClientSlots.Token(slot);
                if (t > maxToken && t <= SegmentLayout.MaxCounter) maxToken = t; // a malformed slot proves nothing
                if (ClientSlots.IsFoldHold(slot)) continue; // a reserve being decided, not a client
                if (ClientSlots.NameEquals(slot, name)) return new ClaimResult(ClaimStatus.Taken, default, default);
                var requests = ClientSlots.Requests(slot);
                if ((ulong)requests <= SegmentLayout.MaxSlotRequests)
                {
                    used++;
                    sumRequests += requests;
                }
            }
            else if (free < 0) free = i;
        }
        if (free < 0) return new ClaimResult(ClaimStatus.Full, default, default);
        _checks.Counters(seg, maxToken, used, sumRequests);

        // each counter before what it bounds (SegmentRepair.CountersAreSane): a writer killed in between leaves them over, never under
        var token = SegmentLayout.Increment(seg, SegmentLayout.OffNextToken);
        var serverSeq = SegmentLayout.Increment(seg, SegmentLayout.OffServerSeq);
        SegmentLayout.Increment(seg, SegmentLayout.OffTotalRegistrations);
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        ClientSlots.Write(SegmentLayout.SlotSpan(seg, free), new ClientSlot(NodeIndex, name, 0, since, token));
        _checks.Observed(seg);
        return new ClaimResult(ClaimStatus.Claimed, new SlotHandle(free, token), new SeqPair(1, serverSeq));
    }

    public FoldHoldResult HoldFold(string name)
    {
        using var held = EnterToTake(name);
        var seg = Seg;
        var free = -1;
        long maxToken = 0;
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (!ClientSlots.IsUsed(slot))
            {
                if (free < 0) free = i;
                continue;
            }
            var t = ClientSlots.Token(slot);
            if (t > maxToken && t <= SegmentLayout.MaxCounter) maxToken = t;
            if (ClientSlots.IsFoldHold(slot) && ClientSlots.NameEqualsIgnoreCase(slot, name) && ClientSlots.TryRead(slot, out var other))
                return new FoldHoldResult(ClaimStatus.Taken, default, other.Name);
        }
        if (free < 0) return new FoldHoldResult(ClaimStatus.Full, default, null);
        _checks.Counters(seg, maxToken);
        // A token of its own (so a stale release never frees another's), but no registration and no serverSeq.
        var token = SegmentLayout.Increment(seg, SegmentLayout.OffNextToken);
        ClientSlots.Write(SegmentLayout.SlotSpan(seg, free), new ClientSlot(NodeIndex, name, 0, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), token, FoldHold: true));
        _checks.Observed(seg);
        return new FoldHoldResult(ClaimStatus.Claimed, new SlotHandle(free, token), null);
    }

    public bool Release(SlotHandle slot)
    {
        if ((uint)slot.Index >= SegmentLayout.ClientCapacity) return false;
        using var held = Enter();
        var s = SegmentLayout.SlotSpan(Seg, slot.Index);
        if (!ClientSlots.IsUsed(s) || ClientSlots.Token(s) != slot.Token) return false;
        SegmentRow.Free(s);
        return true;
    }

    public bool TryFind(string name, out ClientEntry entry)
    {
        entry = null!;
        if (!ClientSlots.IsValidName(name)) return false;
        using var held = Enter();
        return SegmentSnapshot.TryFind(Seg, name, out entry);
    }

    public StateSnapshot Snapshot()
    {
        // Copy under the mutex (a few microseconds), decode after releasing it: other nodes wait only for the copy.
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(SegmentLayout.TotalSize);
        try
        {
            using (Enter())
            {
                _checks.Counters(Seg, minNextToken: null); // it reports them
                SegmentLayout.CopyOrdered(Seg, copy);
            }
            return SegmentSnapshot.Build(copy.AsSpan(0, SegmentLayout.TotalSize));
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(copy); }
    }

    public Census Census()
    {
        using var held = Enter();
        return SegmentSnapshot.CensusOf(Seg);
    }

    public void PublishAkkaUid(int uid)
    {
        using var held = Enter();
        _upkeep.PublishAkkaUid(Seg, uid);
    }

    public IReadOnlyDictionary<string, int>? NodeUids()
    {
        // Without the lock (a transport thread asks, at each handshake): a row being written reads torn for a moment.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            if (_disposed || _checks.Truncated is not null) return null;
            var seg = (ReadOnlySpan<byte>)Seg;
            var nodes = new Dictionary<string, (int Uid, long Started)>(StringComparer.Ordinal);
            var torn = false;
            for (var i = 0; i < SegmentLayout.NodeCapacity && !torn; i++)
            {
                var row = SegmentLayout.NodeRowSpan(seg, i);
                if (!NodeRows.IsUsed(row)) continue;
                if (!NodeRows.TryRead(row, out var node)) torn = true;
                // A node restarted on its address before its old row was reaped: the newer one is the live one.
                else if (node.Address != NodeAddress && (!nodes.TryGetValue(node.Address, out var seen) || node.StartedUnixMs >= seen.Started))
                    nodes[node.Address] = (node.AkkaUid, node.StartedUnixMs);
            }
            if (!torn) return nodes.ToDictionary(n => n.Key, n => n.Value.Uid, StringComparer.Ordinal);
            Thread.SpinWait(64);
        }
        return null;
    }

    public int Maintain()
    {
        using var held = Enter();
        var reaped = _upkeep.Maintain(Seg);
        _checks.TableCounters(Seg);
        return reaped;
    }

    /// <summary>Removes this node's clients and row; the last live node also removes the segment file and its lock file
    /// (marked removed first, so a process waiting on it reopens the path: <see cref="SegmentMutex.RemoveLockFile"/>).
    /// A file already gone (another node raced us, or someone removed it) is no error.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            if (_checks.Truncated is { } truncated)
            {
                // reading the node table now could kill the process: the file is left for the next node to rebuild
                _log.LogWarning("segment {Segment}: leaving {Path} as it is ({Message})", Segment, FilePath, truncated);
                return;
            }
            using var held = Enter();
            var seg = Seg;
            if (_upkeep.OwnRowIsOurs(seg))
            {
                SegmentRepair.FreeSlotsOf(seg, NodeIndex);
                SegmentRow.Free(SegmentLayout.NodeRowSpan(seg, NodeIndex));
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
