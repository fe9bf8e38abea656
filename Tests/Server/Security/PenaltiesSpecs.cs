namespace Switchboard.Tests.Server.Security;

/// <summary>Growing penalties per key, over a driven clock, and bounded in the keys they remember: a table keyed by
/// (host, name) is as large as an attacker's addresses and names unless it is capped.</summary>
public sealed class PenaltiesSpecs
{
    private readonly ManualClock _clock = new();

    private Penalties Penalties(int capacity = Switchboard.Server.Security.Penalties.MaxTracked) =>
        new(failuresBeforePenalty: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300), _clock, capacity);

    [Fact]
    public void A_key_waits_after_its_third_failure_twice_as_long_with_each_more_up_to_the_maximum()
    {
        var penalties = Penalties();
        penalties.Failed("k");
        penalties.Failed("k");
        Assert.Equal(TimeSpan.Zero, penalties.Remaining("k"));
        var waits = new List<double>();
        for (var i = 0; i < 12; i++)
        {
            penalties.Failed("k");
            waits.Add(penalties.Remaining("k").TotalSeconds);
        }
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300], waits);
        Assert.Equal(TimeSpan.Zero, penalties.Remaining("other"));
        penalties.Succeeded("k");
        Assert.Equal(TimeSpan.Zero, penalties.Remaining("k"));
    }

    [Fact]
    public void Past_its_capacity_expired_keys_go_first_then_the_one_that_ends_soonest_and_the_table_never_grows()
    {
        var penalties = Penalties(capacity: 8);
        for (var f = 0; f < 5; f++) penalties.Failed("guesser"); // waits 4 s
        for (var i = 0; i < 1000; i++) penalties.Failed($"host{i}"); // one failure each: nothing to wait out
        Assert.InRange(penalties.Tracked, 1, 8);
        Assert.Equal(TimeSpan.FromSeconds(4), penalties.Remaining("guesser"));
        for (var i = 0; i < 8; i++)
            for (var f = 0; f < 4; f++) penalties.Failed($"longer{i}"); // waits 2 s: ends sooner than the guesser's
        Assert.Equal(8, penalties.Tracked);
        Assert.Equal(TimeSpan.FromSeconds(4), penalties.Remaining("guesser"));
    }
}
