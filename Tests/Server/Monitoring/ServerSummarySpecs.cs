namespace Switchboard.Tests.Server.Monitoring;

public sealed class ServerSummarySpecs
{
    [Fact]
    public void Two_sessions_of_one_name_are_told_apart_by_when_they_held_it()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero));
        var summary = new ServerSummary(clock);
        var first = summary.Now;
        clock.Advance(TimeSpan.FromMinutes(5));
        summary.Record("bob", 3, first);
        var second = summary.Now;
        clock.Advance(TimeSpan.FromSeconds(90));
        summary.Record("bob", 7, second);

        string At(TimeSpan after) => clock.GetLocalNow().Subtract(TimeSpan.FromMinutes(6.5)).Add(after).ToString("HH:mm:ss");
        var lines = summary.Render().Split(Environment.NewLine);
        Assert.Equal("summary: 2 client session(s) served", lines[0]);
        Assert.Matches($@"^  bob\s+3 request\(s\)\s+{At(TimeSpan.Zero)}–{At(TimeSpan.FromMinutes(5))}$", lines[1]);
        Assert.Matches($@"^  bob\s+7 request\(s\)\s+{At(TimeSpan.FromMinutes(5))}–{At(TimeSpan.FromMinutes(6.5))}$", lines[2]);
        Assert.Matches(@"^  total\s+10 request\(s\)$", lines[3]);
    }
}
