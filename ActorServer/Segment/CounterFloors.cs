namespace Switchboard.Server.Segment;

/// <summary>
/// What one process knows of the segment's grow-only counters: the highest value it has seen or written of each,
/// since it opened the segment. No other process can take that back, so a counter found below its floor was
/// written backwards (by a process of this user) and <see cref="SegmentRepair.RepairCounters"/> raises it again.
/// Owned by one store, used under its lock only.
/// </summary>
public sealed class CounterFloors
{
    public long ServerSeq { get; private set; }
    public long TotalRequests { get; private set; }
    public long TotalRegistrations { get; private set; }
    /// <summary>The last token issued (a fresh segment's nextToken is 1).</summary>
    public long NextToken { get; private set; } = 1;

    /// <summary>Raises every floor to the segment's counters (each only when in range): after a section wrote them.</summary>
    public void Observe(ReadOnlySpan<byte> seg)
    {
        ServerSeq = Raise(ServerSeq, SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq), SegmentLayout.MaxServerSeq);
        TotalRequests = Raise(TotalRequests, SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRequests), SegmentLayout.MaxCounter);
        TotalRegistrations = Raise(TotalRegistrations, SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRegistrations), SegmentLayout.MaxCounter);
        NextToken = Raise(NextToken, SegmentLayout.ReadWord(seg, SegmentLayout.OffNextToken), SegmentLayout.MaxCounter);
    }

    /// <summary>Raises the serverSeq floor to what this process's sessions gave without the lock.</summary>
    public void RaiseServerSeq(long given) => ServerSeq = Raise(ServerSeq, given, SegmentLayout.MaxServerSeq);

    /// <summary>Sets the floors after <see cref="SegmentRepair.RepairCounters"/> (its values are in range).</summary>
    internal void Set(long serverSeq, long totalRequests, long totalRegistrations, long nextToken) =>
        (ServerSeq, TotalRequests, TotalRegistrations, NextToken) = (serverSeq, totalRequests, totalRegistrations, nextToken);

    static long Raise(long floor, long value, long max) => value > floor && value <= max ? value : floor;
}
