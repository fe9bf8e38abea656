using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Actor;

namespace Switchboard.Benchmarks.Load;

/// <summary>Options shared by <c>load</c>, <c>capacity</c> and <c>messaging</c>.</summary>
public sealed record LoadOptions
{
    public int[] Clients { get; init; } = [1, 10, 25];
    public double Seconds { get; init; } = 10;
    public double Warmup { get; init; } = 3;
    public int Window { get; init; } = 16;
    public double Rate { get; init; }
    public bool Half { get; init; }
    public bool Baseline { get; init; } = true;
    public string? Server { get; init; }
    public string? Json { get; init; }
    public string Op { get; init; } = "add";
    public string[] Args { get; init; } = ["12345", "67890"];
    public long MaxRequests { get; init; } = 10_000_000;
    public bool Capacity { get; init; }
    public int Idle { get; init; } = 1000;
    public int IdleSystems { get; init; } = 10;
    public int Busy { get; init; } = 10;
    public bool KeepRateLimit { get; init; }
    public bool Profile { get; init; }
    public bool IdleQuiet { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double D() => double.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--clients" => o with { Clients = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray() },
                "--seconds" => o with { Seconds = D() },
                "--warmup" => o with { Warmup = D() },
                "--window" => o with { Window = int.Parse(Next()) },
                "--rate" => o with { Rate = D() },
                "--half" => o with { Half = true },
                "--no-baseline" => o with { Baseline = false },
                "--server" => o with { Server = Next() },
                "--json" => o with { Json = Next() },
                "--op" => o with { Op = Next() },
                "--args" => o with { Args = Next().Split(',') },
                "--max-requests" => o with { MaxRequests = long.Parse(Next()) },
                "--capacity" => o with { Capacity = true },
                "--idle" => o with { Idle = int.Parse(Next()) },
                "--idle-systems" => o with { IdleSystems = int.Parse(Next()) },
                "--busy" => o with { Busy = int.Parse(Next()) },
                "--keep-rate-limit" => o with { KeepRateLimit = true },
                "--profile" => o with { Profile = true },
                "--idle-quiet" => o with { IdleQuiet = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (o.Window < 1 || o.Seconds <= 0 || o.Clients.Length == 0 || o.Clients.Any(c => c < 1)) throw new ArgumentException("bad --window, --seconds or --clients");
        if (o.Server is not null && !(o.Server.StartsWith("127.0.0.1:", StringComparison.Ordinal) || o.Server.StartsWith("localhost:", StringComparison.Ordinal)))
            throw new ArgumentException("--server must be 127.0.0.1:PORT (the load generator only targets this host)");
        return o;
    }
}

/// <summary>Where the built server, the echo server and the hocon files are, and a run's private config.</summary>
public sealed class LoadEnvironment : IDisposable
{
    public string ServerDll { get; }
    public string BenchDll { get; }
    public string ServerHocon { get; }
    public string ClientHocon { get; }
    private readonly string _dir;

    public LoadEnvironment(bool keepRateLimit)
    {
        var root = FindRoot();
        var config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        ServerDll = Built(root, "ActorServer", config);
        BenchDll = Built(root, "Benchmarks", config);
        var hocon = Path.Combine(Path.GetDirectoryName(ServerDll)!, "hocon");
        _dir = Directory.CreateTempSubdirectory("sbload-").FullName;
        File.Copy(Path.Combine(hocon, "shared.hocon"), Path.Combine(_dir, "shared.hocon"));
        File.Copy(Path.Combine(hocon, "client.hocon"), Path.Combine(_dir, "client.hocon"));
        // The load measures the request path, not the per-client rate limiter (200/s by default).
        File.WriteAllText(Path.Combine(_dir, "server.hocon"), File.ReadAllText(Path.Combine(hocon, "server.hocon")) +
            (keepRateLimit ? "" : "\n# load generator: rate limit off\nswitchboard.rate-limit.per-second = 0\n"));
        ServerHocon = Path.Combine(_dir, "server.hocon");
        ClientHocon = Path.Combine(_dir, "client.hocon");
    }

    private static string Built(string root, string project, string config)
    {
        foreach (var c in new[] { config, config == "Release" ? "Debug" : "Release" })
        {
            var p = Path.Combine(root, project, "bin", c, "net10.0", project + ".dll");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"build {project} first (dotnet build -c Release)");
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Switchboard.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("Switchboard.slnx not found above the benchmark or the current directory");
    }

    public static string NewSegment() => "sbload-" + Guid.NewGuid().ToString("N")[..12];

    public Task<ServerProcess> StartServerAsync() =>
        ServerProcess.StartAsync(ServerDll, ["--port", "0", "--host", "127.0.0.1", "--segment", NewSegment(), "--config", ServerHocon], null, TimeSpan.FromSeconds(60))
            .ContinueWith(t => t.Result, TaskScheduler.Default);

    public Task<ServerProcess> StartEchoAsync() =>
        ServerProcess.StartAsync(BenchDll, ["echo-server", "--port", "0", "--config", ServerHocon], null, TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One row of the load table.</summary>
public sealed record LoadRow(
    int Clients, double Throughput, double BaselineThroughput, double Ratio,
    double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, long Errors,
    double ServerCpuMs, double ServerPeakRssMb,
    double BaselineP50Ms, double BaselineP99Ms, double BaselineCpuMs,
    double? PacedRate, double? PacedP50Ms, double? PacedP99Ms, double? PacedP999Ms, double? PacedMaxMs, long? PacedErrors,
    double? BaselinePacedP50Ms, double? BaselinePacedP99Ms,
    string? FirstError);

/// <summary>CPU time (and per-thread CPU with profiling) of a process, summed over measured slices.</summary>
public sealed class CpuMeter(int? pid, bool threads)
{
    private readonly Dictionary<int, (string Name, long Ticks)> _threadTicks = new();
    public double CpuMs { get; private set; }

    public async Task<T> MeasureAsync<T>(Func<Task<T>> slice)
    {
        if (pid is not { } p) return await slice();
        var t0 = threads ? ProcStats.Threads(p) : null;
        var c0 = ProcStats.CpuTime(p);
        var result = await slice();
        CpuMs += (ProcStats.CpuTime(p) - c0).TotalMilliseconds;
        if (t0 is not null)
            foreach (var (tid, (name, ticks)) in ProcStats.Threads(p))
            {
                var delta = ticks - (t0.TryGetValue(tid, out var b) ? b.Ticks : 0);
                _threadTicks[tid] = (name, (_threadTicks.TryGetValue(tid, out var acc) ? acc.Ticks : 0) + delta);
            }
        return result;
    }

    public List<(string Name, int Threads, double Ms)> Threads() =>
        ProcStats.ThreadDelta(new Dictionary<int, (string Name, long Ticks)>(), _threadTicks);
}

public static class LoadCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>Runs <c>load</c>, <c>capacity</c> or <c>messaging</c>; always kills what it started.</summary>
    public static int Run(string command, string[] args)
    {
        LoadOptions o;
        try { o = LoadOptions.Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("usage: Benchmarks load [--clients 1,10,25] [--seconds 10] [--warmup 2] [--window 16] [--rate R | --half] [--server 127.0.0.1:PORT] [--json FILE] [--no-baseline]\n" +
                                    "       Benchmarks capacity [--idle 1000] [--idle-systems 10] [--busy 10] [--seconds 10] [--rate R] [--json FILE]\n" +
                                    "       Benchmarks messaging [--clients 25] [--seconds 10] [--window 16] [--json FILE]");
            return 2;
        }
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("interrupted: stopping servers");
            ServerProcess.Cleanup();
            Environment.Exit(130);
        };
        EventHandler onExit = (_, _) => ServerProcess.Cleanup();
        Console.CancelKeyPress += onCancel;
        AppDomain.CurrentDomain.ProcessExit += onExit;
        try
        {
            return RunAsync(command, o).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"{command} failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
        finally
        {
            ServerProcess.Cleanup();
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
    }

    public static async Task<int> RunAsync(string command, LoadOptions o)
    {
        using var env = new LoadEnvironment(o.KeepRateLimit);
        object report = command switch
        {
            "capacity" => await CapacityAsync(env, o),
            "messaging" => await MessagingAsync(env, o),
            _ when o.Capacity => await CapacityAsync(env, o),
            _ => await LoadAsync(env, o),
        };
        if (o.Json is not null) await File.WriteAllTextAsync(o.Json, JsonSerializer.Serialize(report, JsonOptions));
        return 0;
    }

    // ------------------------------------------------------------------ load

    public static async Task<LoadReport> LoadAsync(LoadEnvironment env, LoadOptions o)
    {
        var rows = new List<LoadRow>();
        var profiles = new List<(int Clients, string Process, List<(string Name, int Threads, double Ms)> Threads, double Replies)>();
        var warmup = TimeSpan.FromSeconds(o.Warmup);
        // Ours and the baseline run in alternating slices of ~2 s, so a drift in what else the machine is
        // doing (2 shared cores) hits both alike and the ratio stays meaningful.
        var rounds = Math.Max(1, (int)Math.Round(o.Seconds / 2));
        var slice = TimeSpan.FromSeconds(o.Seconds / rounds);
        foreach (var n in o.Clients)
        {
            Console.Error.WriteLine($"load: {n} client(s), {o.Seconds:0.#} s (+{o.Warmup:0.#} s warm-up) in {rounds} alternating slice(s), window {o.Window}{(o.Rate > 0 ? $", paced at {o.Rate:0}/s" : "")}");
            using var server = o.Server is null ? await env.StartServerAsync() : null;
            using var echo = o.Baseline ? await env.StartEchoAsync() : null;
            var address = Address.Parse(server?.Address ?? $"akka.tcp://switchboard@{o.Server}");
            await using var ours = await Fleet.StartAsync(n, Target.Switchboard, address, $"load{n}x", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60));
            await using var baseFleet = echo is null ? null
                : await Fleet.StartAsync(n, Target.Echo, Address.Parse(echo.Address), $"base{n}x", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60));

            await ours.RunAsync(TimeSpan.Zero, warmup, o.Rate, o.MaxRequests);
            if (baseFleet is not null) await baseFleet.RunAsync(TimeSpan.Zero, warmup, o.Rate, o.MaxRequests);

            var oursSlices = new List<PhaseResult>();
            var baseSlices = new List<PhaseResult>();
            var oursCpu = new CpuMeter(server?.Pid, o.Profile);
            var baseCpu = new CpuMeter(echo?.Pid, o.Profile);
            for (var i = 0; i < rounds; i++)
            {
                oursSlices.Add(await oursCpu.MeasureAsync(() => ours.RunAsync(TimeSpan.Zero, slice, o.Rate, o.MaxRequests)));
                if (baseFleet is not null) baseSlices.Add(await baseCpu.MeasureAsync(() => baseFleet.RunAsync(TimeSpan.Zero, slice, o.Rate, o.MaxRequests)));
            }
            var our = PhaseResult.Combine(oursSlices);
            var baseline = baseFleet is null ? null : PhaseResult.Combine(baseSlices);
            var rssMb = server?.PeakRssMb() ?? 0;
            if (o.Profile && server is not null) profiles.Add((n, "server", oursCpu.Threads(), our.Throughput * o.Seconds));
            if (o.Profile && baseline is not null) profiles.Add((n, "echo baseline", baseCpu.Threads(), baseline.Throughput * o.Seconds));

            PhaseResult? paced = null, basePaced = null;
            if (o.Half && o.Rate <= 0 && our.Throughput > 0)
            {
                var half = our.Throughput / 2;
                Console.Error.WriteLine($"load: {n} client(s) paced at half of peak ({half:0}/s), ours and baseline alternating");
                var ps = new List<PhaseResult>();
                var bs = new List<PhaseResult>();
                for (var i = 0; i < rounds; i++)
                {
                    ps.Add(await ours.RunAsync(TimeSpan.Zero, slice, half, o.MaxRequests));
                    if (baseFleet is not null) bs.Add(await baseFleet.RunAsync(TimeSpan.Zero, slice, half, o.MaxRequests));
                }
                paced = PhaseResult.Combine(ps);
                basePaced = baseFleet is null ? null : PhaseResult.Combine(bs);
            }

            var bt = baseline?.Throughput ?? 0;
            rows.Add(new LoadRow(n, Math.Round(our.Throughput, 1), Math.Round(bt, 1), bt > 0 ? Math.Round(our.Throughput / bt, 3) : 0,
                R(our.Ms(50)), R(our.Ms(90)), R(our.Ms(99)), R(our.Ms(99.9)), R(our.MaxMs), our.Errors,
                Math.Round(oursCpu.CpuMs), Math.Round(rssMb, 1),
                R(baseline?.Ms(50) ?? 0), R(baseline?.Ms(99) ?? 0), Math.Round(baseCpu.CpuMs),
                paced is null ? null : Math.Round(our.Throughput / 2), paced is null ? null : R(paced.Ms(50)), paced is null ? null : R(paced.Ms(99)),
                paced is null ? null : R(paced.Ms(99.9)), paced is null ? null : R(paced.MaxMs), paced?.Errors,
                basePaced is null ? null : R(basePaced.Ms(50)), basePaced is null ? null : R(basePaced.Ms(99)),
                our.FirstError ?? paced?.FirstError));
        }
        var report = new LoadReport("load", o.Seconds, o.Window, o.Rate, o.Op, string.Join(' ', o.Args), rows);
        Console.Out.Write(Markdown(report));
        foreach (var (clients, process, threads, replies) in profiles)
        {
            Console.Out.WriteLine($"\n{process} threads, {clients} client(s): CPU ms over the {o.Seconds:0.#} s run (µs per reply)");
            foreach (var (name, count, ms) in threads.Take(12))
                Console.Out.WriteLine(Inv($"  {name,-16} x{count,-3} {ms,8:0} ms  {(replies > 0 ? ms * 1000 / replies : 0),6:0.00} µs"));
        }
        return report;
    }

    private static double R(double ms) => Math.Round(ms, 3);

    public static string Markdown(LoadReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Request/reply load: `{r.Op} {r.Args}`, window {r.Window} per client, {r.Seconds:0.#} s per run{(r.Rate > 0 ? $", paced at {r.Rate:0} replies/s" : ", unpaced")}; latency in ms.");
        sb.AppendLine();
        sb.AppendLine("| clients | replies/s | baseline/s | ratio | p50 | p90 | p99 | p99.9 | max | errors | server CPU ms | server peak RSS MB | baseline p50 | baseline p99 |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in r.Results)
            sb.AppendLine(Inv($"| {x.Clients} | {x.Throughput:0} | {x.BaselineThroughput:0} | {x.Ratio:0.00} | {x.P50Ms:0.###} | {x.P90Ms:0.###} | {x.P99Ms:0.###} | {x.P999Ms:0.###} | {x.MaxMs:0.###} | {x.Errors} | {x.ServerCpuMs:0} | {x.ServerPeakRssMb:0.#} | {x.BaselineP50Ms:0.###} | {x.BaselineP99Ms:0.###} |"));
        if (r.Results.Any(x => x.PacedRate is not null))
        {
            sb.AppendLine();
            sb.AppendLine("Paced at half of each peak:");
            sb.AppendLine();
            sb.AppendLine("| clients | rate/s | p50 | p99 | p99.9 | max | errors | baseline p50 | baseline p99 |");
            sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var x in r.Results.Where(x => x.PacedRate is not null))
                sb.AppendLine(Inv($"| {x.Clients} | {x.PacedRate:0} | {x.PacedP50Ms:0.###} | {x.PacedP99Ms:0.###} | {x.PacedP999Ms:0.###} | {x.PacedMaxMs:0.###} | {x.PacedErrors} | {x.BaselinePacedP50Ms:0.###} | {x.BaselinePacedP99Ms:0.###} |"));
        }
        foreach (var x in r.Results.Where(x => x.FirstError is not null))
            sb.AppendLine($"\n{x.Clients} clients, first error: {x.FirstError}");
        return sb.ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ capacity

    public static async Task<CapacityReport> CapacityAsync(LoadEnvironment env, LoadOptions o)
    {
        var warmup = TimeSpan.FromSeconds(o.Warmup);
        var measure = TimeSpan.FromSeconds(o.Seconds);
        // Paced, so both runs see the same offered load (default 200/s per busy client).
        var rate = o.Rate > 0 ? o.Rate : 200.0 * o.Busy;
        using var server = await env.StartServerAsync();
        var address = Address.Parse(server.Address);
        Console.Error.WriteLine($"capacity: {o.Busy} busy clients at {rate:0}/s in all, no idle clients");
        var rssStart = server.RssMb();
        await using var busy = await Fleet.StartAsync(o.Busy, Target.Switchboard, address, "busy", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60));
        var alone = await busy.RunAsync(warmup, measure, rate, o.MaxRequests);
        var rssAlone = server.RssMb();
        Console.Error.WriteLine($"capacity: registering {o.Idle} idle clients in {o.IdleSystems} client ActorSystems");
        var t0 = System.Diagnostics.Stopwatch.StartNew();
        await using var idle = await Fleet.StartIdleAsync(o.IdleSystems, o.Idle / o.IdleSystems, address, "idle", o.IdleQuiet, env.ClientHocon, TimeSpan.FromSeconds(120));
        var registerSeconds = t0.Elapsed.TotalSeconds;
        // The joins set off presence notices to every online client: wait until the server is quiet again
        // (under 20% of a core for a second, at most 60 s) so the second run measures idle clients, not the burst.
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromSeconds(60))
        {
            var c0 = server.CpuTime();
            await Task.Delay(1000);
            if ((server.CpuTime() - c0).TotalMilliseconds < 200) break;
        }
        var settleSeconds = settle.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"capacity: {o.Busy} busy clients again, with {o.Idle} idle ones online");
        var withIdle = await busy.RunAsync(warmup, measure, rate, o.MaxRequests);
        var report = new CapacityReport("capacity", o.Idle, o.IdleSystems, o.Busy, rate,
            Math.Round(rssStart, 1), Math.Round(rssAlone, 1), Math.Round(server.RssMb(), 1), Math.Round(server.PeakRssMb(), 1), Math.Round(registerSeconds, 2), Math.Round(settleSeconds, 1),
            R(alone.Ms(50)), R(alone.Ms(99)), R(alone.MaxMs), Math.Round(alone.Throughput), alone.Errors,
            R(withIdle.Ms(50)), R(withIdle.Ms(99)), R(withIdle.MaxMs), Math.Round(withIdle.Throughput), withIdle.Errors,
            alone.Ms(99) > 0 ? Math.Round(withIdle.Ms(99) / alone.Ms(99), 2) : 0);
        var sb = new StringBuilder();
        sb.AppendLine($"Capacity: {o.Idle} idle registered clients ({o.Idle / o.IdleSystems} client actors in each of {o.IdleSystems} ActorSystems — idle clients share associations; the {o.Busy} busy ones have one ActorSystem each){(o.IdleQuiet ? ", idle clients turn presence notices off" : "")}, busy load paced at {rate:0}/s.");
        sb.AppendLine();
        sb.AppendLine("| run | replies/s | p50 ms | p99 ms | max ms | errors | server RSS MB |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(Inv($"| {o.Busy} busy, no idle | {report.AloneThroughput:0} | {report.AloneP50Ms:0.###} | {report.AloneP99Ms:0.###} | {report.AloneMaxMs:0.###} | {report.AloneErrors} | {report.RssAloneMb:0.#} |"));
        sb.AppendLine(Inv($"| {o.Busy} busy + {o.Idle} idle | {report.WithIdleThroughput:0} | {report.WithIdleP50Ms:0.###} | {report.WithIdleP99Ms:0.###} | {report.WithIdleMaxMs:0.###} | {report.WithIdleErrors} | {report.RssWithIdleMb:0.#} |"));
        sb.AppendLine();
        sb.AppendLine(Inv($"Server RSS: {report.RssStartMb:0.#} MB at start, {report.RssWithIdleMb:0.#} MB with {o.Idle} idle clients, peak {report.PeakRssMb:0.#} MB; busy p99 with idle / without: {report.P99Ratio:0.00}x; {o.Idle} registrations took {report.RegisterSeconds:0.##} s and the server was busy with their presence notices for {report.SettleSeconds:0.#} s more (peak RSS is that burst)."));
        Console.Out.Write(sb.ToString());
        return report;
    }

    // ------------------------------------------------------------------ messaging

    public static async Task<MessagingReport> MessagingAsync(LoadEnvironment env, LoadOptions o)
    {
        var n = o.Clients.Length == 3 && o.Clients.SequenceEqual([1, 10, 25]) ? 25 : o.Clients.Max();
        var warmup = TimeSpan.FromSeconds(o.Warmup);
        var measure = TimeSpan.FromSeconds(o.Seconds);
        var rows = new List<MessagingRow>();
        foreach (var traffic in new[] { Traffic.Tell, Traffic.Say })
        {
            // A broadcast lands on n-1 recipients, each of which may hold 256 unacknowledged events (acks every 32):
            // past that the server drops, by design. The window keeps the offered load within what acks can carry.
            var window = traffic == Traffic.Say ? Math.Clamp(96 / Math.Max(1, n - 1), 1, o.Window) : o.Window;
            Console.Error.WriteLine($"messaging: {traffic} with {n} clients, window {window}");
            using var server = await env.StartServerAsync();
            await using var fleet = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(server.Address), $"{traffic.ToString().ToLowerInvariant()}{n}x", traffic, window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60));
            await Task.Delay(1000); // presence notices of the joins
            var cpu0 = TimeSpan.Zero;
            var r = await fleet.RunAsync(warmup, measure, o.Rate, o.MaxRequests, () =>
            {
                cpu0 = server.CpuTime();
                return Task.CompletedTask;
            });
            rows.Add(new MessagingRow(traffic == Traffic.Tell ? "tell (DM)" : "say (broadcast)", n, window, Math.Round(r.Throughput), Math.Round(r.ReceivedPerSecond),
                R(r.Ms(50)), R(r.Ms(99)), R(r.MaxMs), r.Errors, r.Dropped, Math.Round((server.CpuTime() - cpu0).TotalMilliseconds), Math.Round(server.PeakRssMb(), 1), r.FirstError));
        }
        var sb = new StringBuilder();
        sb.AppendLine($"Messaging: {n} clients, {o.Seconds:0.#} s; sends/s = replies to the sender, delivered/s = Incoming events received (and acknowledged every 32).");
        sb.AppendLine();
        sb.AppendLine("| traffic | clients | window | sends/s | delivered/s | p50 ms | p99 ms | max ms | errors | dropped | server CPU ms | server peak RSS MB |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in rows)
            sb.AppendLine(Inv($"| {x.Traffic} | {x.Clients} | {x.Window} | {x.SendsPerSecond:0} | {x.DeliveredPerSecond:0} | {x.P50Ms:0.###} | {x.P99Ms:0.###} | {x.MaxMs:0.###} | {x.Errors} | {x.Dropped} | {x.ServerCpuMs:0} | {x.ServerPeakRssMb:0.#} |"));
        foreach (var x in rows.Where(x => x.FirstError is not null))
            sb.AppendLine($"\n{x.Traffic}: first error: {x.FirstError}");
        Console.Out.Write(sb.ToString());
        return new MessagingReport("messaging", o.Seconds, o.Window, rows);
    }
}

public sealed record LoadReport(string Kind, double Seconds, int Window, double Rate, string Op, string Args, IReadOnlyList<LoadRow> Results);

public sealed record CapacityReport(string Kind, int Idle, int IdleSystems, int Busy, double Rate,
    double RssStartMb, double RssAloneMb, double RssWithIdleMb, double PeakRssMb, double RegisterSeconds, double SettleSeconds,
    double AloneP50Ms, double AloneP99Ms, double AloneMaxMs, double AloneThroughput, long AloneErrors,
    double WithIdleP50Ms, double WithIdleP99Ms, double WithIdleMaxMs, double WithIdleThroughput, long WithIdleErrors,
    double P99Ratio);

public sealed record MessagingRow(string Traffic, int Clients, int Window, double SendsPerSecond, double DeliveredPerSecond,
    double P50Ms, double P99Ms, double MaxMs, long Errors, long Dropped, double ServerCpuMs, double ServerPeakRssMb, string? FirstError);

public sealed record MessagingReport(string Kind, double Seconds, int Window, IReadOnlyList<MessagingRow> Results);
