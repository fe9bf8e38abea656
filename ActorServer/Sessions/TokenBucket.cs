namespace Switchboard.Server.Sessions;

/// <summary>
/// Per-client rate limit: <see cref="Rate"/> requests a second on average, bursts up to
/// <see cref="Burst"/>. Time comes in as ticks so specs can drive it; no allocation per call.
/// </summary>
public sealed class TokenBucket(double rate, double burst, long nowTicks)
{
    private double _tokens = burst;
    private long _last = nowTicks;

    public double Rate { get; } = rate;
    public double Burst { get; } = burst;

    public bool TryTake(long nowTicks)
    {
        if (!CanTake(nowTicks)) return false;
        if (Rate > 0) _tokens -= 1;
        return true;
    }

    /// <summary>Whether <see cref="TryTake"/> would succeed now, taking nothing (for a cost known only afterwards).</summary>
    public bool CanTake(long nowTicks)
    {
        if (Rate <= 0) return true; // 0 turns the limit off
        var elapsed = nowTicks - _last;
        if (elapsed > 0)
        {
            _tokens = Math.Min(Burst, _tokens + elapsed * Rate / TimeSpan.TicksPerSecond);
            _last = nowTicks;
        }
        return _tokens >= 1;
    }

    /// <summary>Ticks until <see cref="TryTake"/> would succeed (0: now): what a refused client is told to wait.</summary>
    public long TicksUntilToken(long nowTicks)
    {
        if (CanTake(nowTicks)) return 0;
        // Rounded up, less a hair of floating-point error: never a tick early, never a whole tick late for nothing. At
        // most a day, so that a vanishing rate cannot overflow what callers add to it.
        return (long)Math.Min(Math.Ceiling((1 - _tokens) * TimeSpan.TicksPerSecond / Rate - 1e-6), TimeSpan.TicksPerDay);
    }
}
