namespace Switchboard.Server.Cluster;

/// <summary>The serverSeq numbers this node may give: the range in use and the next one, leased ahead (from
/// <see cref="SeqLeaseActor"/>) once half of the range in use is spent. The registry leases and numbers registrations;
/// sessions take numbers for their replies on their own threads (<see cref="LeasedCounter"/>), hence the lock: a few
/// instructions, never held across anything else.</summary>
public sealed class SeqRanges(long lease)
{
    private readonly Lock _lock = new();
    private long _next, _end, _requests, _last;
    private (long First, long Count)? _ahead;
    private bool _leasing, _lowSeen;

    /// <summary>A lease is asked for and not answered yet.</summary>
    public bool Leasing
    {
        get { lock (_lock) return _leasing; }
        set { lock (_lock) _leasing = value; }
    }

    /// <summary>Whether to lease more now: nothing ahead, and under half a range left.</summary>
    public bool Low
    {
        get { lock (_lock) return IsLow; }
    }

    public bool CanLease
    {
        get { lock (_lock) return !_leasing && _ahead is null; }
    }

    /// <summary>How many numbers are held (in use and ahead).</summary>
    public long Available
    {
        get { lock (_lock) return _end - _next + (_ahead?.Count ?? 0); }
    }

    /// <summary>The last number given (0 before the first): not the number before the range in use, which another
    /// node gave, or nobody.</summary>
    public long Last
    {
        get { lock (_lock) return _last; }
    }

    /// <summary>The numbers given to replies after registrations (<see cref="TryTake"/>).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private bool IsLow => _ahead is null && _end - _next < lease / 2;

    public bool TryNext(out long seq)
    {
        lock (_lock) return TryNextLocked(out seq);
    }

    /// <summary>Numbers for a batch of replies, all or none (not necessarily consecutive: the batch may cross into the
    /// range leased ahead). <paramref name="leaseAhead"/>: the first taker to find the numbers low since the last
    /// lease, who tells the registry to lease more.</summary>
    public bool TryTake(Span<SeqPair> seqs, out bool leaseAhead)
    {
        lock (_lock)
        {
            leaseAhead = false;
            if (_end - _next + (_ahead?.Count ?? 0) < seqs.Length)
            {
                leaseAhead = !_lowSeen;
                _lowSeen = true;
                return false;
            }
            for (var i = 0; i < seqs.Length; i++)
            {
                TryNextLocked(out var seq);
                seqs[i] = seqs[i] with { ServerSeq = seq };
            }
            _requests += seqs.Length;
            if (IsLow && !_lowSeen) leaseAhead = _lowSeen = true;
            return true;
        }
    }

    public void Leased(long first, long count)
    {
        lock (_lock)
        {
            _leasing = false;
            _lowSeen = false;
            if (_next >= _end) (_next, _end) = (first, first + count);
            else _ahead = (first, count);
        }
    }

    private bool TryNextLocked(out long seq)
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
        seq = _last = _next++;
        return true;
    }
}
