using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Segment;

/// <summary>
/// What one node's <see cref="SharedSegmentStore"/> knows, to check the segment against where it is read (a process of
/// this user can write anything into it): the immutable header as it was opened, the counters' floors, the highest
/// serverSeq this process gave, and whether the file was found cut short. Called inside the store's lock sections,
/// except <see cref="TakeServerSeqs"/> and <see cref="CutShort"/>, which the lock-free counting uses too.
/// </summary>
internal sealed class SegmentChecks(string segment, string filePath, SegmentMapping map, ILogger log)
{
    readonly byte[] _header = new byte[SegmentLayout.ImmutableHeaderLength];
    readonly CounterFloors _floors = new();
    string? _truncated; // set once the file was found cut short: the mapping must never be touched again
    // The highest serverSeq this process has given (sessions count on their own threads): the segment's word is never
    // let back below it, so no number is given twice even when another process writes it backwards.
    long _givenSeq;

    /// <summary>Why the mapping may not be read any more (the file was cut short under this node), or null.</summary>
    public string? Truncated => Volatile.Read(ref _truncated);

    /// <summary>Remembers the segment as this node opened it.</summary>
    public void Opened(ReadOnlySpan<byte> seg)
    {
        seg[.._header.Length].CopyTo(_header);
        _floors.Observe(seg);
    }

    /// <summary>One fstat per lock section: a file cut short under the mapping kills the process (SIGBUS) at the first
    /// read past its new end, which .NET cannot catch; checked here, under the lock, no node reads past it. A process
    /// of this user that truncates it between this check and a read inside the section can still crash the node
    /// (docs/security.md). What was cut away is lost for every node, so this node refuses all further work for good.</summary>
    public void Length()
    {
        var length = map.FileLength();
        if (length == SegmentLayout.TotalSize) return;
        if (length > SegmentLayout.TotalSize)
        {
            // harmless to the mapping, but other nodes would refuse the file's length when they open it
            map.RestoreLength();
            log.LogWarning("segment {Segment}: {Path} grew to {Length} bytes under this node; repaired: cut back to {Size}", segment, filePath, length, SegmentLayout.TotalSize);
            return;
        }
        throw new SegmentException(SegmentFault.Truncated, CutShort(length));
    }

    /// <summary>Records (once, from whichever thread saw it first) that the file was cut short under this node.</summary>
    public string CutShort(long length)
    {
        var message = $"server state corrupt: {filePath} was cut to {length} bytes under this node (the layout needs {SegmentLayout.TotalSize}); " +
                      "reading it would kill the process, so this node takes no new work";
        if (Interlocked.CompareExchange(ref _truncated, message, null) is { } first) return first;
        log.LogError("segment {Segment}: {Message}", segment, message);
        return message;
    }

    /// <summary>The header never changes after creation (a rebuild is a new file), so a changed one is put back as this
    /// node opened it: other nodes would otherwise refuse or rebuild the file. 64 bytes compared, no allocation.</summary>
    public void Header(Span<byte> seg)
    {
        var header = seg[.._header.Length];
        if (header.SequenceEqual(_header)) return;
        var detail = SegmentLayout.CheckHeader(seg, out var why) == SegmentLayout.HeaderCheck.Valid ? "resealed with other values" : why;
        _header.CopyTo(header);
        log.LogWarning("segment {Segment}: its header was changed under this node ({Detail}); restored it", segment, detail);
    }

    /// <summary>The counters a section is about to read, checked and repaired (<see cref="SegmentRepair.RepairCounters"/>),
    /// with one warning per repair.</summary>
    public void Counters(Span<byte> seg, long? minNextToken, long minRegistrations = 0, long minRequests = 0)
    {
        _floors.RaiseServerSeq(Volatile.Read(ref _givenSeq));
        var repaired = SegmentRepair.RepairCounters(seg, _floors, minNextToken, minRegistrations, minRequests);
        if (repaired is not null)
            log.LogWarning("segment {Segment}: counters were written under this node: {Detail}", segment, repaired);
    }

    /// <summary>The counters against everything the table proves (a scan of every slot: repairs and maintenance only).</summary>
    public void TableCounters(Span<byte> seg)
    {
        var (maxToken, used, sumRequests) = SegmentRepair.TableBounds(seg);
        Counters(seg, maxToken, used, sumRequests);
    }

    /// <summary>A claim was made under the lock: the counters' floors as it left them.</summary>
    public void Observed(ReadOnlySpan<byte> seg) => _floors.Observe(seg);

    /// <summary>Takes <paramref name="n"/> serverSeq numbers by an atomic add, never below what this process gave and
    /// never out of range.</summary>
    public long TakeServerSeqs(Span<byte> seg, int n)
    {
        while (true)
        {
            // Read before the add: every number this process gave by then was taken from the word before this add, so
            // the word can only be below it if it was written backwards. Read after, it may already hold a number a
            // session took after this add (sessions count at once), and a number wrongly taken again leaves a gap.
            var given = Volatile.Read(ref _givenSeq);
            var last = SegmentLayout.Add(seg, SegmentLayout.OffServerSeq, n);
            var found = last - n; // the word as the add found it (the arithmetic wraps, so this is exact for any value)
            if (found >= given && found <= SegmentLayout.MaxServerSeq - n)
            {
                for (var seen = given; seen < last; seen = Volatile.Read(ref _givenSeq))
                    if (Interlocked.CompareExchange(ref _givenSeq, last, seen) == seen) break;
                return last;
            }
            // Written under this node (a process of this user): backwards, so those numbers were given already, or out
            // of range, where the next ones would overflow or other nodes refuse the segment. Put back to what this
            // process gave (a concurrent add by another node, in range, is kept) and take again.
            log.LogWarning("segment {Segment}: serverSeq {Found} repaired to {Given} ({Why}; written under this node)", segment, found, given,
                found < 0 || found > SegmentLayout.MaxServerSeq - n ? "out of range" : "below what this node gave");
            for (var now = SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq); now < given || now > SegmentLayout.MaxServerSeq - n;
                 now = SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq))
                if (SegmentLayout.Replace(seg, SegmentLayout.OffServerSeq, now, given)) break;
        }
    }
}
