namespace Switchboard.Tests.Server.Sessions;

/// <summary>The per-client rate limit, with time driven by the spec.</summary>
public sealed class ThrottleSpecs
{
    private const long Second = TimeSpan.TicksPerSecond;

    [Fact]
    public void Token_bucket_allows_the_burst_then_the_rate()
    {
        var bucket = new TokenBucket(rate: 10, burst: 3, nowTicks: 0);
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => bucket.TryTake(0)));
        Assert.False(bucket.TryTake(Second / 20));     // half a token after 50 ms
        Assert.True(bucket.TryTake(Second / 10));      // one token after 100 ms
        Assert.False(bucket.TryTake(Second / 10));
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => bucket.TryTake(100 * Second))); // refills only up to the burst
    }

    [Fact]
    public void Token_bucket_with_rate_zero_never_limits()
    {
        var bucket = new TokenBucket(0, 0, 0);
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(bucket.TryTake(0)));
    }

    [Fact]
    public void A_throttle_allows_the_burst_then_answers_a_burst_of_429s_then_drops_the_flood()
    {
        var clock = new ManualClock();
        var throttle = new RequestThrottle(ratePerSecond: 10, burst: 3, clock);
        var admissions = Enumerable.Range(0, 9).Select(_ => throttle.Admit()).ToArray();
        Assert.Equal(
            [RateVerdict.Allowed, RateVerdict.Allowed, RateVerdict.Allowed,
             RateVerdict.RateLimited, RateVerdict.RateLimited, RateVerdict.RateLimited,
             RateVerdict.Dropped, RateVerdict.Dropped, RateVerdict.Dropped],
            admissions);
    }

    [Fact]
    public void A_flood_is_reported_once_when_it_starts()
    {
        var throttle = new RequestThrottle(10, 2, new ManualClock());
        var started = Enumerable.Range(0, 8).Select(_ => { throttle.Admit(); return throttle.FloodStarted; }).ToArray();
        Assert.Equal([false, false, false, false, true, false, false, false], started);
    }

    [Fact]
    public void A_client_that_slows_down_is_served_again_and_its_count_of_refusals_starts_over()
    {
        var clock = new ManualClock();
        var throttle = new RequestThrottle(10, 1, clock);
        Assert.Equal(RateVerdict.Allowed, throttle.Admit());
        Assert.Equal(RateVerdict.RateLimited, throttle.Admit());
        Assert.Equal(RateVerdict.Dropped, throttle.Admit());
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(RateVerdict.Dropped, throttle.Admit()); // half a token
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(RateVerdict.Allowed, throttle.Admit());
        Assert.Equal(RateVerdict.RateLimited, throttle.Admit()); // a new run of refusals: answered again
    }

    [Fact]
    public void Rate_zero_turns_the_throttle_off()
    {
        var throttle = new RequestThrottle(0, 0, new ManualClock());
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Equal(RateVerdict.Allowed, throttle.Admit()));
    }
}
