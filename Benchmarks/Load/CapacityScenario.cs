using System.Diagnostics;
using Akka.Actor;
using static Switchboard.Benchmarks.Load.ReportFormat;

namespace Switchboard.Benchmarks.Load;

/// <summary><c>capacity</c>: what many idle registered clients cost the server (memory, and latency of the busy ones).</summary>
public static class CapacityScenario
{
    public static async Task<CapacityReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        // Paced, so both runs see the same offered load (default 200/s per busy client).
        var rate = o.Rate > 0 ? o.Rate : 200.0 * o.Busy;
        using var server = await env.StartServerAsync();
        var address = Address.Parse(server.Address);
        Console.Error.WriteLine($"capacity: {o.Busy} busy clients at {rate:0}/s in all, no idle clients");
        var rssStart = server.RssMb();
        await using var busy = await Fleet.StartAsync(o.Busy, Target.Switchboard, address, "busy", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60));
        var alone = await busy.RunAsync(o.WarmupTime, o.MeasureTime, rate, o.MaxRequests);
        var rssAlone = server.RssMb();
        Console.Error.WriteLine($"capacity: registering {o.Idle} idle clients in {o.IdleSystems} client ActorSystems");
        var t0 = Stopwatch.StartNew();
        await using var idle = await Fleet.StartIdleAsync(o.IdleSystems, o.Idle / o.IdleSystems, address, "idle", o.IdleQuiet, env.ClientHocon, TimeSpan.FromSeconds(120));
        var registerSeconds = t0.Elapsed.TotalSeconds;
        // The joins set off presence notices to every online client: wait until the server is quiet again
        // (under 20% of a core for a second, at most 60 s) so the second run measures idle clients, not the burst.
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromSeconds(60))
        {
            var c0 = server.CpuTime();
            await Task.Delay(1000);
            if ((server.CpuTime() - c0).TotalMilliseconds < 200) break;
        }
        var settleSeconds = settle.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"capacity: {o.Busy} busy clients again, with {o.Idle} idle ones online");
        var withIdle = await busy.RunAsync(o.WarmupTime, o.MeasureTime, rate, o.MaxRequests);
        var report = new CapacityReport("capacity", o.Idle, o.IdleSystems, o.Busy, rate,
            Math.Round(rssStart, 1), Math.Round(rssAlone, 1), Math.Round(server.RssMb(), 1), Math.Round(server.PeakRssMb(), 1), Math.Round(registerSeconds, 2), Math.Round(settleSeconds, 1),
            RoundMs(alone.Ms(50)), RoundMs(alone.Ms(99)), RoundMs(alone.MaxMs), Math.Round(alone.Throughput), alone.Errors,
            RoundMs(withIdle.Ms(50)), RoundMs(withIdle.Ms(99)), RoundMs(withIdle.MaxMs), Math.Round(withIdle.Throughput), withIdle.Errors,
            alone.Ms(99) > 0 ? Math.Round(withIdle.Ms(99) / alone.Ms(99), 2) : 0);
        Console.Out.Write(Markdown(report, o.IdleQuiet));
        return report;
    }
}
