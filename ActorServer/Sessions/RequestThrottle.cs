namespace Switchboard.Server.Sessions;

/// <summary>What to do with one request of a client.</summary>
public enum RateVerdict
{
    /// <summary>Within the rate: do the work.</summary>
    Allowed,
    /// <summary>Over the rate: answer 429, do no work.</summary>
    RateLimited,
    /// <summary>Flooding (more than a burst of 429s in a row): drop it unanswered, so a flood costs the registry nothing.</summary>
    Dropped,
}

/// <summary>
/// One client's rate limit: a <see cref="TokenBucket"/> read through an injected clock (specs drive time, they never
/// measure the machine), and the flood rule on top of it.
/// </summary>
public sealed class RequestThrottle
{
    private readonly TokenBucket _bucket;
    private readonly TimeProvider _clock;
    private readonly long _start;
    private readonly long _maxRefusals;
    private long _refusedInARow;

    public RequestThrottle(double ratePerSecond, double burst, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _start = clock.GetTimestamp();
        _bucket = new TokenBucket(ratePerSecond, burst, 0);
        _maxRefusals = (long)burst;
    }

    public double RatePerSecond => _bucket.Rate;

    /// <summary>True once, on the first request dropped in a flood: the moment worth a log line.</summary>
    public bool FloodStarted => _refusedInARow == _maxRefusals + 1;

    public RateVerdict Admit()
    {
        if (_bucket.TryTake(_clock.GetElapsedTime(_start).Ticks))
        {
            _refusedInARow = 0;
            return RateVerdict.Allowed;
        }
        return ++_refusedInARow > _maxRefusals ? RateVerdict.Dropped : RateVerdict.RateLimited;
    }
}
