using Akka.Actor;
using static Switchboard.Benchmarks.Load.ReportFormat;

namespace Switchboard.Benchmarks.Load;

/// <summary><c>messaging</c>: direct messages and broadcasts between clients, each on a fresh server.</summary>
public static class MessagingScenario
{
    public static async Task<MessagingReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        // One client count: the largest asked for, or 25 when --clients keeps the load default.
        var n = o.OneClientCount(byDefault: 25);
        var rows = new List<MessagingRow>();
        foreach (var traffic in new[] { Traffic.Tell, Traffic.Say })
        {
            var window = WindowFor(traffic, n, o.Window);
            Console.Error.WriteLine($"messaging: {traffic} with {n} clients, window {window}");
            using var server = await env.StartServerAsync();
            await using var fleet = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(server.Address), $"{traffic.ToString().ToLowerInvariant()}{n}x", traffic, window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60));
            await Task.Delay(1000); // presence notices of the joins
            var cpu0 = TimeSpan.Zero;
            var r = await fleet.RunAsync(o.WarmupTime, o.MeasureTime, o.Rate, o.MaxRequests, () =>
            {
                cpu0 = server.CpuTime();
                return Task.CompletedTask;
            });
            rows.Add(new MessagingRow(traffic == Traffic.Tell ? "tell (DM)" : "say (broadcast)", n, window, Math.Round(r.Throughput), Math.Round(r.ReceivedPerSecond),
                RoundMs(r.Ms(50)), RoundMs(r.Ms(99)), RoundMs(r.MaxMs), r.Errors, r.Dropped, Math.Round((server.CpuTime() - cpu0).TotalMilliseconds), Math.Round(server.PeakRssMb(), 1), r.FirstError));
        }
        var report = new MessagingReport("messaging", o.Seconds, o.Window, rows);
        Console.Out.Write(Markdown(report, n));
        return report;
    }

    /// <summary>Messages in flight per client. A broadcast (or room message) lands on n-1 recipients, each of which may
    /// hold 256 unacknowledged events (acks every 32): past that the server drops, by design. The window keeps the
    /// offered load within what acks can carry.</summary>
    public static int WindowFor(Traffic traffic, int clients, int window) =>
        traffic == Traffic.Say ? Math.Clamp(96 / Math.Max(1, clients - 1), 1, window) : window;
}
