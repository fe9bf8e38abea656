using System.Globalization;
using Akka.Actor;
using static Switchboard.Benchmarks.Load.ReportFormat;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// <c>cluster</c>: two cluster-mode nodes on 127.0.0.1 and 127.0.0.2 and a single-host node, in one run: a request on
/// the single-host node against one on a cluster node, and DMs between two fleets on one cluster node against DMs
/// between a fleet on each (every DM crosses the cluster), each pair in alternating slices (<see cref="Alternation"/>),
/// with the CPU each costs the servers and this process per message. Figures are printed, never asserted.
/// </summary>
public static class ClusterScenario
{
    public static async Task<int> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        var n = o.OneClientCount(byDefault: 10);
        var ports = new[] { FreePort("127.0.0.1"), FreePort("127.0.0.2") };
        var clusterPorts = new[] { FreePort("127.0.0.1"), FreePort("127.0.0.2") };
        var seeds = $"127.0.0.1:{clusterPorts[0]},127.0.0.2:{clusterPorts[1]}";
        var secret = LoadEnvironment.NewClusterSecret();
        Console.Error.WriteLine($"cluster: two nodes ({seeds}) and a single-host node, {n} clients per fleet, window {o.Window}, {o.Seconds:0.#} s (+{o.Warmup:0.#} s warm-up) in alternating slices");
        ServerProcess[] nodes;
        try
        {
            nodes = await Task.WhenAll(Node(env, "127.0.0.1", ports[0], clusterPorts[0], seeds, secret), Node(env, "127.0.0.2", ports[1], clusterPorts[1], seeds, secret));
        }
        finally
        {
            File.Delete(secret); // read at start
        }
        using var a = nodes[0];
        using var b = nodes[1];
        using var single = await env.StartServerAsync();
        var self = Environment.ProcessId;
        Task<Fleet> Start(ServerProcess at, string prefix, Traffic traffic, string[]? peers = null) => Fleet.StartAsync(n, Target.Switchboard,
            Address.Parse(at.Address), prefix, traffic, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(90), peers: peers);
        Func<TimeSpan, double, Task<PhaseResult>> Alone(Fleet f) => (slice, rate) => f.RunAsync(TimeSpan.Zero, slice, rate, o.MaxRequests);
        Func<TimeSpan, double, Task<PhaseResult>> Pair(Fleet one, Fleet two) => async (slice, rate) => PhaseResult.Merge(await Task.WhenAll(
            one.RunAsync(TimeSpan.Zero, slice, rate / 2, o.MaxRequests), two.RunAsync(TimeSpan.Zero, slice, rate / 2, o.MaxRequests)));
        string[] Names(string prefix) => [.. Enumerable.Range(0, n).Select(i => $"{prefix}{i}")];

        await using var onSingle = await Start(single, "reqs", Traffic.Request);
        await using var onCluster = await Start(a, "reqc", Traffic.Request);
        // Two fleets DMing each other: both on node a, and one on each node.
        await using var sameA = await Start(a, "samea", Traffic.Tell, Names("sameb"));
        await using var sameB = await Start(a, "sameb", Traffic.Tell, Names("samea"));
        await using var crossA = await Start(a, "crossa", Traffic.Tell, Names("crossb"));
        await using var crossB = await Start(b, "crossb", Traffic.Tell, Names("crossa"));
        await Task.Delay(2000); // the rosters (who is on which node) reach the other node

        var requests = new[]
        {
            new Contender(Alone(onSingle), new CpuMeter(single.Pid, false), new CpuMeter(self, false)),
            new Contender(Alone(onCluster), new CpuMeter(a.Pid, false), new CpuMeter(b.Pid, false), new CpuMeter(self, false)),
        };
        var dms = new[]
        {
            new Contender(Pair(sameA, sameB), new CpuMeter(a.Pid, o.Profile), new CpuMeter(b.Pid, o.Profile), new CpuMeter(self, false)),
            new Contender(Pair(crossA, crossB), new CpuMeter(a.Pid, o.Profile), new CpuMeter(b.Pid, o.Profile), new CpuMeter(self, false)),
        };
        await Alternation.WarmUpAsync(requests, o.WarmupTime, o.Rate);
        var r = await Alternation.RunAsync(requests, o.Seconds, o.Rate);
        await Alternation.WarmUpAsync(dms, o.WarmupTime, o.Rate);
        var d = await Alternation.RunAsync(dms, o.Seconds, o.Rate);

        Console.Out.WriteLine($"### cluster mode: two nodes on 127.0.0.1 and 127.0.0.2, and a single-host node ({o.Seconds:0.#} s measured in alternating slices, window {o.Window})");
        Console.Out.WriteLine();
        Console.Out.WriteLine("| traffic | clients | per second | p50 ms | p99 ms | max ms | errors | servers' CPU µs per message | load generator's CPU µs per message |");
        Console.Out.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.Out.WriteLine(Row("request (" + o.Op + ") on a single-host node", n, r[0]!, requests[0], o.Seconds));
        Console.Out.WriteLine(Row("request (" + o.Op + ") on a cluster node", n, r[1]!, requests[1], o.Seconds));
        Console.Out.WriteLine(Row("tell (DM) within one node, both ways", 2 * n, d[0]!, dms[0], o.Seconds));
        Console.Out.WriteLine(Row("tell (DM) across nodes, both ways", 2 * n, d[1]!, dms[1], o.Seconds));
        Console.Out.WriteLine();
        foreach (var (what, x) in new[] { ("request on a single-host node", r[0]!), ("request on a cluster node", r[1]!), ("DM within one node", d[0]!), ("DM across nodes", d[1]!) })
            if (x.FirstError is not null) Console.Out.WriteLine($"{what}, first error: {x.FirstError}");
        Console.Out.WriteLine(Inv($"request on a cluster node ÷ single host: {Ratio(r[1]!, r[0]!):0.00}; DM across ÷ within one node: {Ratio(d[1]!, d[0]!):0.00}"));
        if (o.Profile)
            foreach (var (what, k) in new[] { ("within one node", 0), ("across nodes", 1) })
                foreach (var (node, m) in new[] { ("node a", 0), ("node b", 1) })
                    Console.Out.Write(Profile(new ThreadProfile(2 * n, $"{node}, DMs {what}:", dms[k].Cpu[m].Threads(), d[k]!.Throughput * o.Seconds), o.Seconds, "DM"));
        return 0;
    }

    private static Task<ServerProcess> Node(LoadEnvironment env, string host, int port, int clusterPort, string seeds, string secret) =>
        ServerProcess.StartAsync(env.ServerDll, ["--cluster", "--host", host, "--port", port.ToString(CultureInfo.InvariantCulture),
            "--cluster-port", clusterPort.ToString(CultureInfo.InvariantCulture), "--seeds", seeds, "--cluster-secret-file", secret, "--config", env.ServerHocon],
            null, TimeSpan.FromSeconds(90));

    private static double Ratio(PhaseResult x, PhaseResult y) => y.Throughput > 0 ? x.Throughput / y.Throughput : 0;

    // The servers' meters are all but the last, which is this process (the clients).
    private static string Row(string what, int n, PhaseResult r, Contender c, double seconds)
    {
        var messages = r.Throughput * seconds;
        double PerMessage(IEnumerable<CpuMeter> meters) => messages > 0 ? meters.Sum(m => m.CpuMs) * 1000 / messages : 0;
        return Inv($"| {what} | {n} | {Math.Round(r.Throughput)} | {r.Ms(50):0.00} | {r.Ms(99):0.00} | {r.MaxMs:0.00} | {r.Errors} | {PerMessage(c.Cpu[..^1]):0.0} | {PerMessage(c.Cpu[^1..]):0.0} |");
    }

    private static int FreePort(string host)
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse(host), 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
