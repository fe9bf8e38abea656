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
/// measure the machine), and the flood rule on top of it. A refusal says when to come back (<see cref="RetryAfter"/>:
/// when the next token comes, in whole milliseconds rounded up) and keeps to it: nothing is served before that time,
/// so a request already on its way behind the refused one cannot overtake the refused one's resend.
/// </summary>
public sealed class RequestThrottle
{
    private readonly TokenBucket _bucket;
    private readonly TimeProvider _clock;
    private readonly long _start;
    private readonly long _maxRefusals;
    private long _refusedInARow;
    // Elapsed ticks before which every request is refused: the time the last refusal named.
    private long _notBefore;

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

    /// <summary>After a refusal, how long until a request would be served: at least a millisecond.</summary>
    public TimeSpan RetryAfter { get; private set; }

    public RateVerdict Admit()
    {
        var now = _clock.GetElapsedTime(_start).Ticks;
        if (now >= _notBefore && _bucket.TryTake(now))
        {
            _refusedInARow = 0;
            return RateVerdict.Allowed;
        }
        // Only a refusal at or after the time named names a new one (the token it named was taken): one before it is
        // told the rest of the wait, so a client that keeps coming back early is not kept out longer each time.
        if (now >= _notBefore) _notBefore = now + WholeMs(_bucket.TicksUntilToken(now));
        RetryAfter = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, WholeMs(_notBefore - now)));
        return ++_refusedInARow > _maxRefusals ? RateVerdict.Dropped : RateVerdict.RateLimited;
    }

    // Ticks rounded up to whole milliseconds: what the wire carries.
    private static long WholeMs(long ticks) => (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond;
}
