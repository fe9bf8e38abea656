namespace Switchboard.Server.Segment;

/// <summary>
/// Read-only access to a segment for <c>inspect</c>: maps the existing file read-only, registers no node, never
/// repairs, and takes the same lock (<see cref="SegmentMutex"/>) as the nodes so a snapshot is consistent. Damaged rows are skipped, not trusted.
/// </summary>
public sealed class SegmentReader : IDisposable
{
    readonly SegmentMutex _mutex;
    readonly SegmentMapping _map;

    public string Segment { get; }

    SegmentReader(string segment, SegmentMutex mutex, SegmentMapping map)
    {
        Segment = segment;
        _mutex = mutex;
        _map = map;
    }

    /// <summary>Opens an existing segment read-only; <see cref="SegmentException"/> when it is missing, not ours or invalid.</summary>
    public static SegmentReader Open(string segment, TimeSpan mutexTimeout)
    {
        var path = SegmentMapping.PathFor(segment);
        if (!File.Exists(path))
            throw new SegmentException(SegmentFault.Missing, $"segment '{segment}' does not exist ({path}): is a server running? {Offer()}");
        var euid = ProcessInfo.EffectiveUid();
        SegmentMapping? map = null;
        var mutex = new SegmentMutex(segment, mutexTimeout);
        try
        {
            // classify and map under the mutex, so a node rebuilding the file is never caught half way; an abandoned
            // mutex is no concern here: torn rows are skipped, and a node repairs them
            using (mutex.Enter())
            {
                var admission = SegmentAdmission.ForReader(segment, path, euid, ProcessInfo.FileStatusOf(path),
                    () => SegmentMapping.ReadPrefix(path, SegmentLayout.TotalSize + 1));
                if (admission is Admission.Refuse refuse) throw refuse.ToException();
                map = SegmentMapping.OpenExisting(path, writable: false);
            }
            return new SegmentReader(segment, mutex, map);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            map?.Dispose();
            mutex.Dispose();
            if (!File.Exists(path))
                throw new SegmentException(SegmentFault.Missing, $"segment '{segment}' does not exist ({path})", e);
            throw new SegmentException(SegmentFault.Io, $"cannot read segment '{segment}' ({path}): {e.Message}", e);
        }
        catch
        {
            map?.Dispose();
            mutex.Dispose();
            throw;
        }
    }

    // What to give --segment instead: a server started by run.sh or a spec has a segment of its own.
    static string Offer()
    {
        const int Shown = 10;
        var here = SegmentMapping.SegmentsIn(SegmentMapping.Directory, ProcessInfo.EffectiveUid());
        return here.Count switch
        {
            0 => "(no segment of yours exists; a server's --segment names it)",
            <= Shown => $"Segments of yours: {string.Join(", ", here)}; give one with --segment NAME",
            _ => $"Segments of yours: {string.Join(", ", here.Take(Shown))} and {here.Count - Shown} more; give one with --segment NAME",
        };
    }

    /// <summary>One consistent snapshot, taken under the segment mutex.</summary>
    public StateSnapshot Snapshot()
    {
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(SegmentLayout.TotalSize);
        try
        {
            // copy under the mutex (consistent), decode after releasing it (the nodes wait only for the copy); after an
            // abandonment torn rows are skipped by the decoding, and a node repairs them
            using (_mutex.Enter()) SegmentLayout.CopyOrdered(_map.ReadOnly, copy);
            return SegmentSnapshot.Build(copy.AsSpan(0, SegmentLayout.TotalSize));
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
}
