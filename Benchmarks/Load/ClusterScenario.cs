using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// <c>cluster</c>: two cluster-mode nodes on 127.0.0.1 and 127.0.0.2, in one run: requests on a node, direct messages
/// between two fleets on the same node, and between a fleet on each node (every DM crosses the cluster). Figures are
/// printed, never asserted.
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
        Console.Error.WriteLine($"cluster: two nodes ({seeds}), {n} clients per fleet, window {o.Window}");
        var nodes = await Task.WhenAll(
            ServerProcess.StartAsync(env.ServerDll, ["--cluster", "--host", "127.0.0.1", "--port", ports[0].ToString(), "--cluster-port", clusterPorts[0].ToString(), "--seeds", seeds, "--cluster-secret-file", secret, "--config", env.ServerHocon], null, TimeSpan.FromSeconds(90)),
            ServerProcess.StartAsync(env.ServerDll, ["--cluster", "--host", "127.0.0.2", "--port", ports[1].ToString(), "--cluster-port", clusterPorts[1].ToString(), "--seeds", seeds, "--cluster-secret-file", secret, "--config", env.ServerHocon], null, TimeSpan.FromSeconds(90)));
        File.Delete(secret); // read at start
        using var a = nodes[0];
        using var b = nodes[1];
        var rows = new List<string>();

        await using (var requests = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(a.Address), "req", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(90)))
            rows.Add(Row($"request ({o.Op}) on one node", n, await requests.RunAsync(o.WarmupTime, o.MeasureTime, o.Rate, o.MaxRequests)));

        rows.Add(Row("tell (DM) within one node", n, await PairAsync(env, o, a, a, "same", n)));
        rows.Add(Row("tell (DM) across nodes", n, await PairAsync(env, o, a, b, "cross", n)));

        Console.Out.WriteLine($"### cluster mode: two nodes on 127.0.0.1 and 127.0.0.2 ({o.Seconds}s measured, window {o.Window})");
        Console.Out.WriteLine();
        Console.Out.WriteLine("| traffic | clients | per second | p50 ms | p99 ms | max ms | errors |");
        Console.Out.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows) Console.Out.WriteLine(r);
        return 0;
    }

    /// <summary>Two fleets DMing each other (fleet 1 on <paramref name="x"/> to fleet 2 on <paramref name="y"/> and back);
    /// the figures are fleet 1's.</summary>
    private static async Task<PhaseResult> PairAsync(LoadEnvironment env, LoadOptions o, ServerProcess x, ServerProcess y, string prefix, int n)
    {
        var names1 = Enumerable.Range(0, n).Select(i => $"{prefix}a{i}").ToArray();
        var names2 = Enumerable.Range(0, n).Select(i => $"{prefix}b{i}").ToArray();
        await using var one = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(x.Address), $"{prefix}a", Traffic.Tell, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(90), peers: names2);
        await using var two = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(y.Address), $"{prefix}b", Traffic.Tell, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(90), peers: names1);
        await Task.Delay(2000); // the rosters (who is on which node) reach the other node
        var results = await Task.WhenAll(one.RunAsync(o.WarmupTime, o.MeasureTime, o.Rate, o.MaxRequests), two.RunAsync(o.WarmupTime, o.MeasureTime, o.Rate, o.MaxRequests));
        return results[0];
    }

    private static string Row(string what, int n, PhaseResult r) =>
        $"| {what} | {n} | {Math.Round(r.Throughput)} | {r.Ms(50):0.00} | {r.Ms(99):0.00} | {r.MaxMs:0.00} | {r.Errors} |";

    private static int FreePort(string host)
    {
        var l = new TcpListener(IPAddress.Parse(host), 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
