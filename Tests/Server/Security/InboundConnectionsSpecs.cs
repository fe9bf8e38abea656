namespace Switchboard.Tests.Server.Security;

/// <summary>
/// The live inbound connections per socket host and in all (<see cref="InboundConnections"/>): what bounds the frames
/// Akka's decoder holds while they are read (512,000 bytes each at most).
/// </summary>
public sealed class InboundConnectionsSpecs
{
    private static InboundConnections Caps(int perHost, int total, ManualClock? clock = null) => new(perHost, total, clock ?? new ManualClock());

    [Fact]
    public void A_host_is_refused_past_its_cap_until_one_of_its_connections_closes_and_other_hosts_have_their_own()
    {
        var caps = Caps(perHost: 2, total: 10);
        Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen("127.0.0.1"));
        Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen("127.0.0.1"));
        Assert.Equal(InboundConnections.Verdict.HostFull, caps.TryOpen("127.0.0.1"));
        Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen("127.0.0.2"));
        Assert.Equal((2, 1, 3), (caps.OpenFrom("127.0.0.1"), caps.OpenFrom("127.0.0.2"), caps.Open)); // a refusal counts nothing

        caps.Closed("127.0.0.1");
        Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen("127.0.0.1"));
        Assert.Equal(InboundConnections.Verdict.HostFull, caps.TryOpen("127.0.0.1"));
    }

    [Fact]
    public void Every_host_is_refused_once_all_together_reach_the_total_and_a_cap_of_0_is_none()
    {
        var caps = Caps(perHost: 0, total: 3);
        foreach (var host in new[] { "10.0.0.1", "10.0.0.1", "10.0.0.2" }) Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen(host));
        Assert.Equal(InboundConnections.Verdict.AllFull, caps.TryOpen("10.0.0.3"));
        Assert.Equal(InboundConnections.Verdict.AllFull, caps.TryOpen("10.0.0.1"));
        caps.Closed("10.0.0.2");
        Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen("10.0.0.3"));

        var none = Caps(perHost: 0, total: 0);
        for (var i = 0; i < 5000; i++) Assert.Equal(InboundConnections.Verdict.Admitted, none.TryOpen("127.0.0.1"));
        Assert.Equal(5000, none.Open);
    }

    [Fact]
    public void Counts_stay_exact_and_within_the_caps_under_racing_opens_and_closes()
    {
        const int perHost = 8, total = 20;
        var caps = Caps(perHost, total);
        string[] hosts = ["a", "b", "c", "d"];
        var held = new int[hosts.Length];
        var (mostOfAHost, mostInAll, inAll) = (0, 0, 0);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var random = new Random(worker);
            var mine = new Stack<int>();
            for (var i = 0; i < 200_000; i++)
            {
                if (mine.Count > 0 && random.Next(2) == 0)
                {
                    var h = mine.Pop();
                    // Uncounted here before the cap is told, so the figures below never trail the cap's own.
                    Interlocked.Decrement(ref held[h]);
                    Interlocked.Decrement(ref inAll);
                    caps.Closed(hosts[h]);
                    continue;
                }
                var host = random.Next(hosts.Length);
                if (caps.TryOpen(hosts[host]) != InboundConnections.Verdict.Admitted) continue;
                mine.Push(host);
                InterlockedMax(ref mostOfAHost, Interlocked.Increment(ref held[host]));
                InterlockedMax(ref mostInAll, Interlocked.Increment(ref inAll));
            }
            while (mine.TryPop(out var h))
            {
                Interlocked.Decrement(ref held[h]);
                Interlocked.Decrement(ref inAll);
                caps.Closed(hosts[h]);
            }
        });
        Assert.InRange(mostOfAHost, 1, perHost);
        Assert.InRange(mostInAll, 1, total);
        Assert.Equal(0, caps.Open);
        Assert.All(hosts, h => Assert.Equal(0, caps.OpenFrom(h)));
        // Every count came back: each host can fill its cap again.
        foreach (var h in hosts.Take(2))
            for (var i = 0; i < perHost; i++) Assert.Equal(InboundConnections.Verdict.Admitted, caps.TryOpen(h));
    }

    [Fact]
    public void One_refusal_a_minute_is_logged_and_it_counts_those_it_stands_for()
    {
        var clock = new ManualClock();
        var caps = Caps(perHost: 1, total: 0, clock);
        Assert.True(caps.Refused(out var refusals));
        Assert.Equal(1, refusals);
        for (var i = 0; i < 1000; i++) Assert.False(caps.Refused(out _));
        clock.Advance(InboundConnections.WarningInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(caps.Refused(out _));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(caps.Refused(out refusals));
        Assert.Equal(1002, refusals);
    }

    [Fact]
    public void Racing_refusals_log_one_line()
    {
        var caps = Caps(perHost: 1, total: 0);
        var logged = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (caps.Refused(out _)) Interlocked.Increment(ref logged);
        });
        Assert.Equal(1, logged);
    }

    private static void InterlockedMax(ref int most, int value)
    {
        for (var seen = Volatile.Read(ref most); value > seen; seen = Volatile.Read(ref most))
            if (Interlocked.CompareExchange(ref most, value, seen) == seen) return;
    }
}
