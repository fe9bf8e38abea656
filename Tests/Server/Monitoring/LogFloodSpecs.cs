namespace Switchboard.Tests.Server.Monitoring;

public sealed class LogFloodSpecs
{
    [Fact]
    public void A_category_writes_at_most_its_quota_a_second_and_then_says_how_many_lines_it_held_back()
    {
        var clock = new ManualClock();
        var flood = new LogFlood(clock, perSecond: 3);
        var written = Enumerable.Range(0, 1000).Count(_ => flood.Admit("TcpServerHandler", out long _));
        Assert.Equal(3, written);
        // Another category has its own quota.
        Assert.True(flood.Admit("endpointManager", out var none));
        Assert.Equal(0, none);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(flood.Admit("TcpServerHandler", out var held));
        Assert.Equal(997, held);
        Assert.True(flood.Admit("TcpServerHandler", out held));
        Assert.Equal(0, held);
    }
}
