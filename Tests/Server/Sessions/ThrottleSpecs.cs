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
    public void A_refusal_says_when_the_next_token_comes_and_a_request_then_is_served()
    {
        var clock = new ManualClock();
        var throttle = new RequestThrottle(ratePerSecond: 10, burst: 2, clock);
        Assert.Equal([RateVerdict.Allowed, RateVerdict.Allowed, RateVerdict.RateLimited], Enumerable.Range(0, 3).Select(_ => throttle.Admit()));
        Assert.Equal(TimeSpan.FromMilliseconds(100), throttle.RetryAfter); // a token every 100 ms
        clock.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(RateVerdict.RateLimited, throttle.Admit());
        Assert.Equal(TimeSpan.FromMilliseconds(70), throttle.RetryAfter);
        clock.Advance(TimeSpan.FromMilliseconds(70));
        Assert.Equal(RateVerdict.Allowed, throttle.Admit());
    }

    [Fact]
    public void A_retry_after_is_whole_milliseconds_rounded_up_and_kept_a_request_before_it_is_refused()
    {
        var clock = new ManualClock();
        var throttle = new RequestThrottle(ratePerSecond: 3, burst: 2, clock);
        throttle.Admit();
        throttle.Admit();
        Assert.Equal(RateVerdict.RateLimited, throttle.Admit());
        Assert.Equal(TimeSpan.FromMilliseconds(334), throttle.RetryAfter); // the token comes after 333.3 ms
        // The token is there at 333.4 ms, but the client was told 334: what a refusal promises holds both ways, so a
        // request that was already on its way behind the refused one does not overtake the refused one's resend.
        clock.Advance(TimeSpan.FromTicks(3_334_000));
        Assert.Equal(RateVerdict.RateLimited, throttle.Admit());
        Assert.Equal(TimeSpan.FromMilliseconds(1), throttle.RetryAfter);
        clock.Advance(TimeSpan.FromMilliseconds(1)); // back when told
        Assert.Equal(RateVerdict.Allowed, throttle.Admit());
    }

    [Fact]
    public void A_client_that_keeps_coming_back_early_is_served_at_the_time_it_was_first_told()
    {
        // An old client resends at once; each early refusal rounds its wait up to whole milliseconds, and that rounding
        // must not push the named time later: 0.3 ms apart, 333 refusals, then served at 100 ms.
        var clock = new ManualClock();
        var throttle = new RequestThrottle(ratePerSecond: 10, burst: 400, clock);
        for (var i = 0; i < 400; i++) throttle.Admit();
        for (var i = 0; i < 333; i++)
        {
            Assert.Equal(RateVerdict.RateLimited, throttle.Admit());
            Assert.Equal(Math.Max(1, Math.Ceiling(100 - i * 0.3 - 1e-9)), throttle.RetryAfter.TotalMilliseconds);
            clock.Advance(TimeSpan.FromTicks(3_000));
        }
        clock.Advance(TimeSpan.FromTicks(1_000)); // 100 ms
        Assert.Equal(RateVerdict.Allowed, throttle.Admit());
    }

    [Fact]
    public void Token_bucket_tells_how_long_until_its_next_token()
    {
        var bucket = new TokenBucket(rate: 10, burst: 1, nowTicks: 0);
        Assert.Equal(0, bucket.TicksUntilToken(0));
        Assert.True(bucket.TryTake(0));
        Assert.Equal(Second / 10, bucket.TicksUntilToken(0));
        Assert.Equal(Second / 40, bucket.TicksUntilToken(Second * 3 / 40));
        Assert.Equal(0, new TokenBucket(0, 0, 0).TicksUntilToken(0)); // no limit: never a wait
    }

    [Fact]
    public void Rate_zero_turns_the_throttle_off()
    {
        var throttle = new RequestThrottle(0, 0, new ManualClock());
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Equal(RateVerdict.Allowed, throttle.Admit()));
    }
}
