using Akka.Actor;
using static Switchboard.Benchmarks.Load.ReportFormat;
using Switchboard.Benchmarks.Nats;

namespace Switchboard.Benchmarks.Load;

/// <summary><c>load</c>: request/reply throughput and latency of the server next to the raw Akka.Remote echo baseline.</summary>
public static class RequestReplyScenario
{
    public static async Task<LoadReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        var rows = new List<LoadRow>();
        var profiles = new List<ThreadProfile>();
        // Ours, the baseline and NATS run in alternating slices (Alternation).
        var (rounds, _) = Alternation.Slices(o.Seconds);
        foreach (var n in o.Clients)
        {
            Console.Error.WriteLine($"load: {n} client(s), {o.Seconds:0.#} s (+{o.Warmup:0.#} s warm-up) in {rounds} alternating slice(s), window {o.Window}, batch {o.Batch}{(o.Rate > 0 ? $", paced at {o.Rate:0}/s" : "")}");
            using var server = o.Server is null ? await env.StartServerAsync() : null;
            using var echo = o.Baseline ? await env.StartEchoAsync() : null;
            var address = Address.Parse(server?.Address ?? $"{(env.ClientTls is null ? "akka.tcp" : Switchboard.Messages.Transport.Tls.TlsRemoting.Protocol)}://switchboard@{o.Server}");
            Console.Error.WriteLine($"load: ours at {address}{(echo is null ? "" : $", baseline at {echo.Address}")}");
            await using var ours = await Fleet.StartAsync(n, Target.Switchboard, address, $"load{n}x", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60), env.ClientTls, batch: o.Batch);
            await using var baseFleet = echo is null ? null
                : await Fleet.StartAsync(n, Target.Echo, Address.Parse(echo.Address), $"base{n}x", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60), env.ClientTls);
            // --peer nats: nats-server and a NATS.Net responder, each its own process, N connections from here.
            using var natsServer = o.Nats ? await NatsServer.StartAsync(TimeSpan.FromSeconds(30)) : null;
            using var responder = natsServer is null ? null
                : await ServerProcess.StartAsync(env.BenchDll, ["nats-responder", "--url", natsServer.Url], null, TimeSpan.FromSeconds(60));
            await using var natsFleet = natsServer is null ? null : await NatsFleet.StartAsync(n, natsServer.Url, o.Window, o.Op, o.Args, TimeSpan.FromSeconds(60));
            if (natsServer is not null) Console.Error.WriteLine($"load: NATS at {natsServer.Url} (nats-server pid {natsServer.Pid}, responder pid {responder!.Pid})");

            var oursCpu = new CpuMeter(server?.Pid, o.Profile);
            var baseCpu = new CpuMeter(echo?.Pid, o.Profile);
            var natsCpu = new CpuMeter(natsServer?.Pid, false);
            var responderCpu = new CpuMeter(responder?.Pid, false);
            Contender?[] contenders =
            [
                new((slice, rate) => ours.RunAsync(TimeSpan.Zero, slice, rate, o.MaxRequests), oursCpu),
                baseFleet is null ? null : new((slice, rate) => baseFleet.RunAsync(TimeSpan.Zero, slice, rate, o.MaxRequests), baseCpu),
                natsFleet is null ? null : new((slice, rate) => natsFleet.RunAsync(slice, rate, o.MaxRequests), natsCpu, responderCpu),
            ];
            await Alternation.WarmUpAsync(contenders, o.WarmupTime, o.Rate);
            var measured = await Alternation.RunAsync(contenders, o.Seconds, o.Rate);
            var (our, baseline, nats) = (measured[0]!, measured[1], measured[2]);
            var rssMb = server?.PeakRssMb() ?? 0;
            if (o.Profile && server is not null) profiles.Add(new ThreadProfile(n, "server", oursCpu.Threads(), our.Throughput * o.Seconds));
            if (o.Profile && baseline is not null) profiles.Add(new ThreadProfile(n, "echo baseline", baseCpu.Threads(), baseline.Throughput * o.Seconds));

            PhaseResult? paced = null, basePaced = null, natsPaced = null;
            if (o.Half && o.Rate <= 0 && our.Throughput > 0)
            {
                // NATS is offered the same load as ours (half of our peak), so the latencies compare like for like.
                var half = our.Throughput / 2;
                Console.Error.WriteLine($"load: {n} client(s) paced at half of peak ({half:0}/s), ours and baseline alternating");
                var pacedRuns = await Alternation.RunAsync(contenders, o.Seconds, half, meterCpu: false);
                (paced, basePaced, natsPaced) = (pacedRuns[0], pacedRuns[1], pacedRuns[2]);
            }

            var bt = baseline?.Throughput ?? 0;
            rows.Add(new LoadRow(n, Math.Round(our.Throughput, 1), Math.Round(bt, 1), bt > 0 ? Math.Round(our.Throughput / bt, 3) : 0,
                RoundMs(our.Ms(50)), RoundMs(our.Ms(90)), RoundMs(our.Ms(99)), RoundMs(our.Ms(99.9)), RoundMs(our.MaxMs), our.Errors,
                Math.Round(oursCpu.CpuMs), Math.Round(rssMb, 1),
                RoundMs(baseline?.Ms(50) ?? 0), RoundMs(baseline?.Ms(99) ?? 0), Math.Round(baseCpu.CpuMs),
                paced is null ? null : Math.Round(our.Throughput / 2), paced is null ? null : RoundMs(paced.Ms(50)), paced is null ? null : RoundMs(paced.Ms(99)),
                paced is null ? null : RoundMs(paced.Ms(99.9)), paced is null ? null : RoundMs(paced.MaxMs), paced?.Errors,
                basePaced is null ? null : RoundMs(basePaced.Ms(50)), basePaced is null ? null : RoundMs(basePaced.Ms(99)),
                our.FirstError ?? paced?.FirstError)
            {
                NatsThroughput = nats is null ? null : Math.Round(nats.Throughput, 1),
                NatsRatio = nats is { Throughput: > 0 } ? Math.Round(our.Throughput / nats.Throughput, 3) : null,
                NatsP50Ms = nats is null ? null : RoundMs(nats.Ms(50)),
                NatsP99Ms = nats is null ? null : RoundMs(nats.Ms(99)),
                NatsErrors = nats is null ? null : nats.Errors + (natsPaced?.Errors ?? 0),
                NatsCpuMs = nats is null ? null : Math.Round(natsCpu.CpuMs + responderCpu.CpuMs),
                NatsPacedP50Ms = natsPaced is null ? null : RoundMs(natsPaced.Ms(50)),
                NatsPacedP99Ms = natsPaced is null ? null : RoundMs(natsPaced.Ms(99)),
            });
            if (nats?.FirstError is { } natsError) Console.Error.WriteLine($"load: NATS, first error: {natsError}");
        }
        var report = new LoadReport("load", o.Seconds, o.Window, o.Rate, o.Op, string.Join(' ', o.Args), rows) { Batch = o.Batch };
        Console.Out.Write(Markdown(report));
        foreach (var p in profiles) Console.Out.Write(Profile(p, o.Seconds));
        return report;
    }
}
