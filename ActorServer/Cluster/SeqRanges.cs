namespace Switchboard.Server.Cluster;

/// <summary>The serverSeq numbers this node may give: the range in use and the next one, leased ahead (from
/// <see cref="SeqLeaseActor"/>) once half of the range in use is spent. Owned by one registry (single-threaded).</summary>
public sealed class SeqRanges(long lease)
{
    private long _next, _end;
    private (long First, long Count)? _ahead;

    /// <summary>A lease is asked for and not answered yet.</summary>
    public bool Leasing { get; set; }

    /// <summary>Whether to lease more now: nothing ahead, and under half a range left.</summary>
    public bool Low => _ahead is null && _end - _next < lease / 2;

    public bool CanLease => !Leasing && _ahead is null;

    /// <summary>How many numbers are held (in use and ahead).</summary>
    public long Available => _end - _next + (_ahead?.Count ?? 0);

    /// <summary>The last number given (0 before the first).</summary>
    public long Last => Math.Max(0, _next - 1);

    public bool TryNext(out long seq)
    {
        if (_next >= _end && _ahead is { } ahead)
        {
            (_next, _end) = (ahead.First, ahead.First + ahead.Count);
            _ahead = null;
        }
        if (_next >= _end)
        {
            seq = 0;
            return false;
        }
        seq = _next++;
        return true;
    }

    public void Leased(long first, long count)
    {
        Leasing = false;
        if (_next >= _end) (_next, _end) = (first, first + count);
        else _ahead = (first, count);
    }
}
