using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Switchboard.Benchmarks.Load;

/// <summary>One figure pair of <c>scrape-cost</c>.</summary>
public sealed record ScrapeCostReport(
    string Scenario, int Clients, double Seconds, int Scrapes, double ServerCpuMsPerScrape, int ScrapeBytes,
    double ThroughputWithout, double ThroughputWith, double Ratio, double ServerCpuMsPerSecondWithout, double CostOfOneScrapePerSecondPercent);

/// <summary>
/// <c>scrape-cost</c>: what monitoring costs the request path. A server with <c>--monitor</c>: first its CPU time per
/// scrape of <c>/metrics</c> + <c>/healthz</c> + <c>/status</c> (idle, many scrapes back to back), then request/reply
/// throughput under load in alternating slices without and with a scraper hitting those endpoints once a second.
/// </summary>
public static class ScrapeCostScenario
{
    static readonly string[] Endpoints = ["/metrics", "/healthz", "/status"];

    public static async Task<ScrapeCostReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        var n = o.Clients.Max();
        var monitorPort = FreePort();
        var segment = LoadEnvironment.NewSegment();
        using var server = await ServerProcess.StartAsync(env.ServerDll,
            ["--port", "0", "--host", "127.0.0.1", "--segment", segment, "--config", env.ServerHocon, "--monitor", $"127.0.0.1:{monitorPort}"],
            segment, TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{monitorPort}"), Timeout = TimeSpan.FromSeconds(30) };

        await using var fleet = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(server.Address), $"scrape{n}x", Traffic.Request,
            o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60), env.ClientTls);
        await fleet.RunAsync(TimeSpan.Zero, TimeSpan.FromSeconds(o.Warmup), o.Rate, o.MaxRequests);

        // 1. The server's CPU per scrape, with the clients registered and idle.
        const int scrapes = 100;
        for (var i = 0; i < 10; i++) await ScrapeAsync(http); // warm the endpoint's code paths
        var cpu0 = server.CpuTime();
        var bytes = 0;
        for (var i = 0; i < scrapes; i++) bytes = await ScrapeAsync(http);
        var cpuPerScrape = (server.CpuTime() - cpu0).TotalMilliseconds / scrapes;
        Console.Error.WriteLine($"scrape-cost: {cpuPerScrape:0.00} ms of server CPU per scrape of {string.Join(" + ", Endpoints)} ({bytes:N0} bytes of metrics)");

        // 2. Throughput without and with a scrape every second, alternating slices so background load hits both alike.
        var rounds = Math.Max(1, (int)Math.Round(o.Seconds / 4));
        var slice = TimeSpan.FromSeconds(o.Seconds / (2.0 * rounds));
        var without = new List<PhaseResult>();
        var with = new List<PhaseResult>();
        var cpuWithout = new CpuMeter(server.Pid, false);
        Console.Error.WriteLine($"scrape-cost: {n} client(s), {rounds} slices of {slice.TotalSeconds:0.#} s each way, window {o.Window}");
        for (var i = 0; i < rounds; i++)
        {
            without.Add(await cpuWithout.MeasureAsync(() => fleet.RunAsync(TimeSpan.Zero, slice, o.Rate, o.MaxRequests)));
            using var stop = new CancellationTokenSource();
            var scraper = ScrapeEverySecondAsync(http, stop.Token);
            with.Add(await fleet.RunAsync(TimeSpan.Zero, slice, o.Rate, o.MaxRequests));
            stop.Cancel();
            await scraper;
        }
        foreach (var r in without.Concat(with).Where(r => r.Errors > 0 || r.Throughput == 0))
            Console.Error.WriteLine($"scrape-cost: a slice had {r.Errors} error(s), {r.Throughput:0}/s: {r.FirstError}");
        if (without.Concat(with).Any(r => r.Errors > 0)) Console.Error.WriteLine($"scrape-cost: the server's log:\n{server.StdErr}");
        var off = PhaseResult.Combine(without).Throughput;
        var on = PhaseResult.Combine(with).Throughput;
        var cpuPerSecond = cpuWithout.CpuMs / (slice.TotalSeconds * rounds);
        var report = new ScrapeCostReport("scrape-cost", n, o.Seconds, scrapes, Math.Round(cpuPerScrape, 3), bytes,
            Math.Round(off, 1), Math.Round(on, 1), off > 0 ? Math.Round(on / off, 3) : 0, Math.Round(cpuPerSecond, 1),
            cpuPerSecond > 0 ? Math.Round(100 * cpuPerScrape / cpuPerSecond, 3) : 0);
        Console.Out.WriteLine($"""
            | clients | replies/s without scrapes | with a scrape every 1 s | ratio | server CPU per scrape | server CPU per second under load | one scrape a second, share of that CPU |
            |---:|---:|---:|---:|---:|---:|---:|
            | {n} | {report.ThroughputWithout:N0} | {report.ThroughputWith:N0} | {report.Ratio:0.000} | {report.ServerCpuMsPerScrape:0.00} ms | {report.ServerCpuMsPerSecondWithout:N0} ms | {report.CostOfOneScrapePerSecondPercent:0.00} % |
            """);
        return report;
    }

    static async Task<int> ScrapeAsync(HttpClient http)
    {
        var bytes = 0;
        foreach (var path in Endpoints)
        {
            using var r = await http.GetAsync(path);
            var body = await r.Content.ReadAsByteArrayAsync();
            if (path == "/metrics") bytes = body.Length;
        }
        return bytes;
    }

    static async Task ScrapeEverySecondAsync(HttpClient http, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do await ScrapeAsync(http);
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) { }
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
