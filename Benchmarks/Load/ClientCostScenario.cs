using System.Diagnostics;
using System.Text;
using Switchboard.Benchmarks.Nats;

namespace Switchboard.Benchmarks.Load;

/// <summary>CPU per request of one thread name of a client, between the small and the large count of one process.</summary>
public sealed record ThreadCost(string Name, int Threads, double UsPerRequest);

/// <summary>
/// One client of <c>client-cost</c>. <c>CpuUsPerRequest</c>: (CPU at the large count's last answer − CPU at the small
/// count's last answer, each in its own process) ÷ (large − small), the median of the repeats (each in <c>EachUs</c>);
/// <c>InProcessUsPerRequest</c>: the same within the large process (its CPU at the small count's answer to its last);
/// <c>SleepsPerRequest</c>: how often one of its threads went to sleep per request, within the large process (each sleep
/// is a wake-up to pay for: the thread hops of a request).
/// </summary>
public sealed record ClientCostRow(string Client, string Program, double CpuUsPerRequest, IReadOnlyList<double> EachUs, double InProcessUsPerRequest,
    double WallUsPerRequest, double SleepsPerRequest, double StartCpuMs, long Errors, string? FirstError, IReadOnlyList<ThreadCost>? Threads);

public sealed record ClientCostReport(string Kind, long Small, long Large, int Repeats, string LoadBefore, string LoadAfter,
    IReadOnlyList<ClientCostRow> Results, double? OursToNats);

/// <summary>
/// <c>client-cost</c> (issue 22.3): what a client process costs per request with one in flight, as a person at a prompt
/// sends them. A Release server (rate limit off), and for each client a process fed the small and then the large count of
/// request lines on stdin, answering each before reading the next; its CPU (utime + stime, /proc) is read when its last
/// answer arrives, so start-up cancels out of the difference. The scripted <c>ActorClient</c> (<c>op add 12345 67890</c>),
/// optionally other builds of it (<c>--compare DIR,...</c>), and with nats-server at hand a NATS.Net client process
/// (<c>Benchmarks nats-client</c>, <c>add 12345 67890</c> to the <c>nats-responder</c>) take turns, in a rotating order,
/// <c>--repeats</c> times.
/// </summary>
public static class ClientCostScenario
{
    private sealed record Contender(string Name, string Dll, Func<string, string[]> Args, string Line, string AnswerPrefix,
        IReadOnlyDictionary<string, string>? Environment = null);

    // The client's own runtime settings that the Benchmarks program does not share (ActorClient.csproj): the NATS.Net
    // client runs under them too, so the two processes differ only in what they do per request.
    private static readonly Dictionary<string, string> ClientRuntime = new() { ["DOTNET_TieredPGO"] = "0" };

    private sealed class Runs(Contender contender)
    {
        public Contender Contender { get; } = contender;
        public List<double> CrossUs { get; } = [];
        public List<double> InProcessUs { get; } = [];
        public List<double> WallUs { get; } = [];
        public List<double> Sleeps { get; } = [];
        public List<double> StartCpuMs { get; } = [];
        public Dictionary<string, (int Threads, double Ms)> ThreadMs { get; } = [];
        public long Errors { get; set; }
        public string? FirstError { get; set; }
    }

    public static async Task<ClientCostReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        var (small, large) = (o.Requests[0], o.Requests[1]);
        var loadBefore = LoadAverage();
        using var server = await env.StartServerAsync();
        using var nats = NatsServer.Binary() is null ? null : await NatsServer.StartAsync(TimeSpan.FromSeconds(30));
        using var responder = nats is null ? null
            : await ServerProcess.StartAsync(env.BenchDll, ["nats-responder", "--url", nats.Url], null, TimeSpan.FromSeconds(60));
        Console.Error.WriteLine($"client-cost: server at {server.Address} (pid {server.Pid})" +
            (nats is null ? "; nats-server is not on PATH (Debian: apt-get install -y nats-server): no NATS.Net client" : $", NATS at {nats.Url} (nats-server pid {nats.Pid}, responder pid {responder!.Pid})"));

        var serverArg = $"127.0.0.1:{server.Port}";
        var request = $"{o.Op} {string.Join(' ', o.Args)}";
        var contenders = new List<Contender> { Ours("ours", env.ClientDll(), serverArg, request) };
        foreach (var dir in o.Compare)
            contenders.Add(Ours("ours (" + Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)) + ")", Path.Combine(dir, "ActorClient.dll"), serverArg, request));
        if (nats is not null)
            contenders.Add(new Contender("NATS.Net", env.BenchDll, _ => ["nats-client", "--url", nats.Url], request, "add: ", ClientRuntime));
        var runs = contenders.Select(c => new Runs(c)).ToList();

        Console.Error.WriteLine($"client-cost: {small:N0} and {large:N0} requests per process, {o.Repeats} repeat(s), clients in turn: {string.Join(", ", contenders.Select(c => c.Name))}; load average {loadBefore}");
        // Warm-up, not recorded: the server's and the responder's code paths, the disk cache of each client's files.
        foreach (var c in contenders) using (await RunOneAsync(c, small, [small])) { }
        for (var r = 0; r < o.Repeats; r++)
            for (var k = 0; k < runs.Count; k++)
            {
                var x = runs[(k + r) % runs.Count];
                // The order of the two counts alternates too: what drifts during a pair hits both ways.
                ScriptedClientProcess smallRun, largeRun;
                if (r % 2 == 0)
                {
                    smallRun = await RunOneAsync(x.Contender, small, [small]);
                    largeRun = await RunOneAsync(x.Contender, large, [small, large]);
                }
                else
                {
                    largeRun = await RunOneAsync(x.Contender, large, [small, large]);
                    smallRun = await RunOneAsync(x.Contender, small, [small]);
                }
                using (smallRun)
                using (largeRun)
                    Record(x, smallRun, largeRun, large - small);
                Console.Error.WriteLine($"client-cost: repeat {r + 1}, {x.Contender.Name}: {x.CrossUs[^1]:0.0} µs of CPU per request ({x.InProcessUs[^1]:0.0} within one process), {x.WallUs[^1]:0} µs per round trip, {x.Sleeps[^1]:0.0} thread sleeps per request");
            }

        var rows = runs.Select(x => new ClientCostRow(x.Contender.Name, x.Contender.Dll, Math.Round(Median(x.CrossUs), 1), x.CrossUs.Select(u => Math.Round(u, 1)).ToList(),
            Math.Round(Median(x.InProcessUs), 1), Math.Round(Median(x.WallUs), 1), Math.Round(Median(x.Sleeps), 2), Math.Round(Median(x.StartCpuMs)), x.Errors, x.FirstError,
            o.Profile ? x.ThreadMs.OrderByDescending(t => t.Value.Ms).Select(t => new ThreadCost(t.Key, t.Value.Threads, Math.Round(t.Value.Ms * 1000 / (o.Repeats * (double)(large - small)), 2))).ToList() : null)).ToList();
        var natsRow = rows.FirstOrDefault(r => r.Client == "NATS.Net");
        double? ratio = natsRow is { CpuUsPerRequest: > 0 } ? Math.Round(rows[0].CpuUsPerRequest / natsRow.CpuUsPerRequest, 2) : null;
        var report = new ClientCostReport("client-cost", small, large, o.Repeats, loadBefore, LoadAverage(), rows, ratio);
        Console.Out.Write(Markdown(report));
        return report;
    }

    private static Contender Ours(string name, string dll, string server, string request) =>
        new(name, dll, n => [n, "--server", server], "op " + request, "op: ");

    private static int _names;

    private static Task<ScriptedClientProcess> RunOneAsync(Contender c, long count, long[] checkpoints) =>
        ScriptedClientProcess.RunAsync(c.Dll, c.Args($"cost{Interlocked.Increment(ref _names)}"), c.Line, c.AnswerPrefix, count, checkpoints,
            TimeSpan.FromSeconds(60 + count * 0.005), c.Environment);

    private static void Record(Runs x, ScriptedClientProcess smallRun, ScriptedClientProcess largeRun, long between)
    {
        var (atSmall, inLargeAtSmall, atLarge) = (smallRun.Samples[0], largeRun.Samples[0], largeRun.Samples[1]);
        x.CrossUs.Add((atLarge.CpuMs - atSmall.CpuMs) * 1000 / between);
        x.InProcessUs.Add((atLarge.CpuMs - inLargeAtSmall.CpuMs) * 1000 / between);
        x.WallUs.Add((atLarge.Ticks - inLargeAtSmall.Ticks) * 1e6 / Stopwatch.Frequency / between);
        x.Sleeps.Add((atLarge.Sleeps - inLargeAtSmall.Sleeps) / (double)between);
        x.StartCpuMs.Add(atSmall.CpuMs);
        foreach (var (name, threads, ms) in ProcStats.ThreadDelta(inLargeAtSmall.Threads, atLarge.Threads))
            x.ThreadMs[name] = x.ThreadMs.TryGetValue(name, out var t) ? (Math.Max(t.Threads, threads), t.Ms + ms) : (threads, ms);
        foreach (var run in new[] { smallRun, largeRun })
        {
            x.Errors += run.Errors;
            x.FirstError ??= run.FirstError ?? (run.ExitCode == 0 ? null : $"exit code {run.ExitCode}: {run.Output}");
            if (run.ExitCode != 0) x.Errors++;
        }
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    public static string Markdown(ClientCostReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Client CPU per request, one request in flight: {r.Small:N0} and {r.Large:N0} requests per process, {r.Repeats} repeat(s); " +
            $"µs of CPU (user + system) per request, median (each repeat); load average {r.LoadBefore} before, {r.LoadAfter} after.");
        sb.AppendLine();
        sb.AppendLine("| client | CPU µs per request | each repeat | within one process | wall µs per round trip | thread sleeps per request | CPU ms at the small count (start-up included) | errors |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var x in r.Results)
            sb.AppendLine($"| {x.Client} | {x.CpuUsPerRequest:0.0} | {string.Join(", ", x.EachUs.Select(u => u.ToString("0.0")))} | {x.InProcessUsPerRequest:0.0} | {x.WallUsPerRequest:0} | {x.SleepsPerRequest:0.00} | {x.StartCpuMs:0} | {x.Errors} |");
        if (r.OursToNats is { } ratio) sb.AppendLine($"\nours ÷ NATS.Net, CPU per request: **{ratio:0.00}**");
        foreach (var x in r.Results.Where(x => x.Threads is not null))
        {
            sb.AppendLine($"\n{x.Client}, CPU per request by thread name (within one process, summed over the repeats):\n");
            sb.AppendLine("| thread | threads | µs per request |");
            sb.AppendLine("|---|---:|---:|");
            foreach (var t in x.Threads!.Where(t => t.UsPerRequest >= 0.05)) sb.AppendLine($"| {t.Name} | {t.Threads} | {t.UsPerRequest:0.00} |");
        }
        foreach (var x in r.Results.Where(x => x.FirstError is not null)) sb.AppendLine($"\n{x.Client}, first error: {x.FirstError}");
        return sb.ToString();
    }
}
