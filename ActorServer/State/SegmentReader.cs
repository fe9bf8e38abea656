namespace Switchboard.Server.State;

/// <summary>
/// Read-only access to a segment for <c>inspect</c>: maps the existing file read-only, registers no node, never
/// repairs, and takes the same mutex as the nodes so a snapshot is consistent. Damaged rows are skipped, not trusted.
/// </summary>
public sealed class SegmentReader : IDisposable
{
    readonly Mutex _mutex;
    readonly SegmentMapping _map;
    readonly TimeSpan _timeout;

    public string Segment { get; }

    SegmentReader(string segment, Mutex mutex, SegmentMapping map, TimeSpan timeout)
    {
        Segment = segment;
        _mutex = mutex;
        _map = map;
        _timeout = timeout;
    }

    /// <summary>Opens an existing segment read-only; <see cref="SegmentException"/> when it is missing, not ours or invalid.</summary>
    public static SegmentReader Open(string segment, TimeSpan mutexTimeout)
    {
        var path = SegmentMapping.PathFor(segment);
        if (!File.Exists(path))
            throw new SegmentException(SegmentFault.Missing, $"segment '{segment}' does not exist ({path}): is a server running?");
        var euid = ProcessInfo.EffectiveUid();
        SegmentMapping? map = null;
        var mutex = new Mutex(false, SegmentMapping.MutexName(segment));
        var locked = false;
        try
        {
            // classify and map under the mutex, so a node rebuilding the file is never caught half way
            try { locked = mutex.WaitOne(mutexTimeout); }
            catch (AbandonedMutexException) { locked = true; }
            if (!locked)
                throw new TimeoutException($"could not take the segment mutex '{SegmentMapping.MutexName(segment)}' within {mutexTimeout.TotalMilliseconds:0} ms");
            var owner = ProcessInfo.FileOwnerUid(path);
            if (owner != euid)
                throw new SegmentException(SegmentFault.NotOwned, $"{path} belongs to uid {owner}, not to this user (uid {euid})");
            var prefix = SegmentMapping.ReadPrefix(path, SegmentLayout.TotalSize + 1);
            var check = SegmentLayout.CheckHeader(prefix, out var detail);
            if (check != SegmentLayout.HeaderCheck.Valid)
                throw new SegmentException(check switch
                {
                    SegmentLayout.HeaderCheck.BadMagic or SegmentLayout.HeaderCheck.TooShort => SegmentFault.NotASegment,
                    SegmentLayout.HeaderCheck.Incompatible => SegmentFault.IncompatibleLayout,
                    _ => SegmentFault.Corrupt,
                }, $"segment '{segment}' ({path}) is invalid: {detail}");
            if (SegmentLayout.OwnerUid(prefix) != euid)
                throw new SegmentException(SegmentFault.NotOwned, $"{path} was created by uid {SegmentLayout.OwnerUid(prefix)}, not this user (uid {euid})");
            map = SegmentMapping.OpenExisting(path, writable: false);
            mutex.ReleaseMutex();
            locked = false;
            return new SegmentReader(segment, mutex, map, mutexTimeout);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (locked) mutex.ReleaseMutex();
            map?.Dispose();
            mutex.Dispose();
            if (!File.Exists(path))
                throw new SegmentException(SegmentFault.Missing, $"segment '{segment}' does not exist ({path})", e);
            throw new SegmentException(SegmentFault.Io, $"cannot read segment '{segment}' ({path}): {e.Message}", e);
        }
        catch
        {
            if (locked) mutex.ReleaseMutex();
            map?.Dispose();
            mutex.Dispose();
            throw;
        }
    }

    /// <summary>One consistent snapshot, taken under the segment mutex.</summary>
    public StateSnapshot Snapshot()
    {
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(SegmentLayout.TotalSize);
        try
        {
            bool taken;
            try { taken = _mutex.WaitOne(_timeout); }
            catch (AbandonedMutexException) { taken = true; } // torn rows are skipped by BuildSnapshot; a node repairs them
            if (!taken)
                throw new TimeoutException($"could not take the segment mutex '{SegmentMapping.MutexName(Segment)}' within {_timeout.TotalMilliseconds:0} ms");
            // copy under the mutex (consistent), decode after releasing it (the nodes wait only for the copy)
            try { _map.ReadOnly.CopyTo(copy); }
            finally { _mutex.ReleaseMutex(); }
            return BuildSnapshot(copy.AsSpan(0, SegmentLayout.TotalSize));
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(copy); }
    }

    /// <summary>Opens, snapshots and closes.</summary>
    public static StateSnapshot Read(string segment, TimeSpan mutexTimeout)
    {
        using var reader = Open(segment, mutexTimeout);
        return reader.Snapshot();
    }

    public void Dispose()
    {
        _map.Dispose();
        _mutex.Dispose();
    }

    // ------------------------------------------------------------------ shared with the store

    internal static StateSnapshot BuildSnapshot(ReadOnlySpan<byte> seg)
    {
        var nodes = new List<NodeEntry>();
        var addresses = new string?[SegmentLayout.NodeCapacity];
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            if (!SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out var n)) continue;
            addresses[i] = n.Address;
            nodes.Add(new NodeEntry(n.Address, n.Pid, ProcessInfo.IsAlive(n.Pid, n.StartTicks),
                DateTimeOffset.FromUnixTimeMilliseconds(n.StartedUnixMs), DateTimeOffset.FromUnixTimeMilliseconds(n.HeartbeatUnixMs)));
        }
        var clients = new List<ClientEntry>();
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (SegmentLayout.IsSlotUsed(slot) && SegmentLayout.TryReadSlot(slot, out var c))
                clients.Add(new ClientEntry(c.Name, addresses[c.NodeIndex] ?? "?", c.Requests, DateTimeOffset.FromUnixTimeSeconds(c.SinceUnixSeconds), c.Token));
        }
        clients.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new StateSnapshot(nodes, clients,
            SegmentLayout.ReadCounter(seg, SegmentLayout.OffServerSeq),
            SegmentLayout.ReadCounter(seg, SegmentLayout.OffTotalRequests),
            SegmentLayout.ReadCounter(seg, SegmentLayout.OffTotalRegistrations));
    }

    internal static ClientEntry ToEntry(ReadOnlySpan<byte> seg, in ClientSlot c)
    {
        var node = SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, c.NodeIndex), out var n) ? n.Address : "?";
        return new ClientEntry(c.Name, node, c.Requests, DateTimeOffset.FromUnixTimeSeconds(c.SinceUnixSeconds), c.Token);
    }
}
