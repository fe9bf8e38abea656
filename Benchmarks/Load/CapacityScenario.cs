using Akka.Actor;
using static Switchboard.Benchmarks.Load.ReportFormat;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// <c>capacity</c>: what many idle registered clients cost the server (memory, registration time, and latency of the
/// busy ones). By default it fills a single-host node's every client slot (busy + idle = 4,096) from 100 client
/// ActorSystems and then asks for one slot more; <c>--cluster</c> spreads 10,000 clients over three cluster-mode nodes.
/// </summary>
public static class CapacityScenario
{
    public const int SingleNodeClients = Switchboard.Server.Segment.SegmentLayout.ClientCapacity;
    public const int ClusterClients = 10_000;
    private static readonly string[] ClusterHosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];

    public static async Task<CapacityReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        // Paced, so both runs see the same offered load (default 200/s per busy client).
        var rate = o.Rate > 0 ? o.Rate : 200.0 * o.Busy;
        var idle = o.Idle ?? Math.Max(0, (o.Cluster ? ClusterClients : SingleNodeClients) - o.Busy);
        if (!o.Cluster && idle + o.Busy > SingleNodeClients)
            throw new ArgumentException($"one node has {SingleNodeClients} client slots: --idle {idle} and --busy {o.Busy} are more");
        var loadStart = LoadAverage();
        var servers = o.Cluster ? await env.StartClusterAsync(ClusterHosts) : [await env.StartServerAsync()];
        try
        {
            return await MeasureAsync(env, o, servers, idle, rate, loadStart);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // What the servers said last is most of what there is to know about a registration that never came back.
            foreach (var s in servers) Console.Error.WriteLine($"server {s.Address} logged (its first 200 lines):\n{s.StdErr}");
            throw;
        }
        finally
        {
            foreach (var s in servers) s.Dispose();
        }
    }

    private static async Task<CapacityReport> MeasureAsync(LoadEnvironment env, LoadOptions o, ServerProcess[] servers, int idle, double rate, string loadStart)
    {
        var n = servers.Length;
        Console.Error.WriteLine($"capacity: {string.Join(", ", servers.Select(s => $"server {s.Address} (pid {s.Pid})"))}");
        var addresses = servers.Select(s => Address.Parse(s.Address)).ToArray();
        var rssStart = servers.Select(s => s.RssMb()).ToArray();
        // Busy client i goes to node i % n; each node's busy clients are a fleet, run side by side with the others.
        var busyOn = Enumerable.Range(0, n).Select(k => Share(o.Busy, n, k)).ToArray();
        Console.Error.WriteLine($"capacity: {o.Busy} busy clients on {n} node(s) at {rate:0}/s in all, no idle clients");
        var busy = new List<Fleet>();
        try
        {
            for (var k = 0; k < n; k++)
                if (busyOn[k] > 0)
                    busy.Add(await Fleet.StartAsync(busyOn[k], Target.Switchboard, addresses[k], $"busy{k}-", Traffic.Request, o.Window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(60)));
            var alone = await RunBusyAsync(busy, o, rate);
            var rssAlone = servers.Select(s => s.RssMb()).ToArray();

            // Idle system s goes to node s % n; the clients are shared out evenly over the systems.
            var systems = Enumerable.Range(0, o.IdleSystems).Select(s => (Server: addresses[s % n], Clients: Share(idle, o.IdleSystems, s)))
                .Where(s => s.Clients > 0).ToList();
            var idleOn = Enumerable.Range(0, n).Select(k => systems.Where(s => s.Server.Equals(addresses[k])).Sum(s => s.Clients)).ToArray();
            Console.Error.WriteLine($"capacity: registering {idle} idle clients from {systems.Count} client ActorSystems ({string.Join(" + ", idleOn)} per node)");
            // In two halves: the first also pays for a fresh server's warm-up (the JIT's tier-1 compiles), the second is
            // what a registration costs a warm one.
            var cpu0 = servers.Select(s => s.CpuTime()).ToArray();
            var half = (systems.Count + 1) / 2;
            var steps = new List<RegistrationStep>();
            await using var crowd = new IdleFleets();
            foreach (var part in new[] { systems[..half], systems[half..] }.Where(p => p.Count > 0))
            {
                var before = servers.Select(s => s.CpuTime()).ToArray();
                var threads0 = servers.Select(s => o.Profile ? ProcStats.Threads(s.Pid) : null).ToArray();
                var fleet = await crowd.AddAsync(Fleet.StartIdleAsync(part, $"idle{steps.Count}-", o.IdleQuiet, env.ClientHocon, TimeSpan.FromSeconds(180)));
                var clients = part.Sum(s => s.Clients);
                var cpuMs = servers.Select((s, k) => (s.CpuTime() - before[k]).TotalMilliseconds).Sum();
                steps.Add(new RegistrationStep(clients, part.Count, Math.Round(fleet.SystemsStarted.TotalSeconds, 2), Math.Round(fleet.Registered.TotalSeconds, 2),
                    Math.Round(clients / fleet.Registered.TotalSeconds), Math.Round(cpuMs * 1000 / clients)));
                Console.Error.WriteLine($"capacity: {part.Count} client systems started in {fleet.SystemsStarted.TotalSeconds:0.0} s, {clients} clients registered in {fleet.Registered.TotalSeconds:0.0} s");
                // --profile: where each server's CPU went while these systems started and registered, per thread name.
                for (var k = 0; k < n; k++)
                    if (threads0[k] is { } t0)
                    {
                        var onNode = part.Where(x => x.Server.Equals(addresses[k])).Sum(x => x.Clients);
                        Console.Out.Write(Profile(new ThreadProfile(onNode, $"server {Host(servers[k].Address)}, registration step {steps.Count} (its systems starting, then registering)",
                            ProcStats.ThreadDelta(t0, ProcStats.Threads(servers[k].Pid)), onNode), fleet.SystemsStarted.TotalSeconds + fleet.Registered.TotalSeconds, "registration"));
                    }
            }
            var registerCpu = servers.Select((s, k) => (s.CpuTime() - cpu0[k]).TotalMilliseconds).ToArray();
            var settle = await SettleAsync(servers);

            // Every slot of the node taken: one more must be refused, with a reason the client can show.
            (string Outcome, double Ms)? over = null;
            if (n == 1 && idle + o.Busy == SingleNodeClients)
            {
                over = await Fleet.TryRegisterAsync(addresses[0], "overflow", env.ClientHocon, TimeSpan.FromSeconds(20));
                Console.Error.WriteLine($"capacity: registration {SingleNodeClients + 1}: {over.Value.Outcome} ({over.Value.Ms:0} ms)");
            }

            Console.Error.WriteLine($"capacity: {o.Busy} busy clients again, with {idle} idle ones online");
            var withIdle = await RunBusyAsync(busy, o, rate);
            var nodes = servers.Select((s, k) => new CapacityNode(Host(s.Address), busyOn[k] + idleOn[k], Mb(rssStart[k]), Mb(rssAlone[k]), Mb(s.RssMb()), Mb(s.PeakRssMb()),
                idleOn[k] > 0 ? Math.Round((s.RssMb() - rssAlone[k]) * 1024 / idleOn[k], 1) : 0, Math.Round(registerCpu[k]))).ToList();
            var registered = steps.Sum(x => x.RegisterSeconds);
            var report = new CapacityReport("capacity", n == 1 ? "single-host" : "cluster", idle, systems.Count, o.Busy, systems.Count + o.Busy, rate,
                Math.Round(steps.Sum(x => x.StartSeconds), 2), Math.Round(registered, 2), registered > 0 ? Math.Round(idle / registered) : 0, steps, Math.Round(settle, 1),
                alone, withIdle, alone.P99Ms > 0 ? Math.Round(withIdle.P99Ms / alone.P99Ms, 2) : 0, nodes,
                over?.Outcome, over is { } x ? Math.Round(x.Ms, 1) : null, Mb(ProcStats.RssMb(Environment.ProcessId)), $"{loadStart} at start, {LoadAverage()} at the end");
            Console.Out.Write(Markdown(report, o.IdleQuiet));
            return report;
        }
        finally
        {
            foreach (var f in busy) await f.DisposeAsync();
        }
    }

    private static async Task<CapacityPhase> RunBusyAsync(List<Fleet> busy, LoadOptions o, double rate)
    {
        var total = busy.Sum(f => f.Clients.Count);
        var r = PhaseResult.Merge(await Task.WhenAll(busy.Select(f => f.RunAsync(o.WarmupTime, o.MeasureTime, rate * f.Clients.Count / total, o.MaxRequests))));
        return new CapacityPhase(Math.Round(r.Throughput), RoundMs(r.Ms(50)), RoundMs(r.Ms(99)), RoundMs(r.MaxMs), r.Errors, r.FirstError);
    }

    // The joins set off presence notices to every online client: wait until each server is quiet again (under 20% of
    // a core for a second, at most 60 s) so the second run measures idle clients, not the burst.
    private static async Task<double> SettleAsync(ServerProcess[] servers)
    {
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromSeconds(60))
        {
            var c0 = servers.Select(s => s.CpuTime()).ToArray();
            await Task.Delay(1000);
            if (servers.Select((s, k) => (s.CpuTime() - c0[k]).TotalMilliseconds).All(ms => ms < 200)) break;
        }
        return settle.Elapsed.TotalSeconds;
    }

    /// <summary>Part <paramref name="k"/> of <paramref name="total"/> split as evenly as can be into <paramref name="parts"/>.</summary>
    private static int Share(int total, int parts, int k) => total / parts + (k < total % parts ? 1 : 0);

    private static string Host(string address) => Address.Parse(address).Host ?? address;

    private static double Mb(double mb) => Math.Round(mb, 1);

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }
}
