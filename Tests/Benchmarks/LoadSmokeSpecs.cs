using System.Text.Json;

namespace Switchboard.Tests.Benchmarks;

/// <summary>
/// The load generator runs end to end (a real server process, an echo baseline process, two client
/// ActorSystems) and reports sane figures. Nothing here is about speed.
/// </summary>
// The load generator saturates both cores by design.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class LoadSmokeSpecs
{
    [Fact]
    public async Task Load_generator_with_two_clients_reports_sane_non_zero_figures()
    {
        using var run = await LoadRun.RunAsync(["load", "--clients", "2", "--seconds", "2", "--warmup", "1"], 60);
        var row = Assert.Single(run.Figures().GetProperty("results").EnumerateArray());
        Assert.Equal(2, row.GetProperty("clients").GetInt32());
        Assert.True(row.GetProperty("throughput").GetDouble() > 0);
        Assert.Equal(0, row.GetProperty("errors").GetInt64());
        Assert.True(row.GetProperty("p50Ms").GetDouble() > 0);
        Assert.True(row.GetProperty("p99Ms").GetDouble() >= row.GetProperty("p50Ms").GetDouble());
        Assert.True(row.GetProperty("maxMs").GetDouble() >= row.GetProperty("p99Ms").GetDouble());
        Assert.True(row.GetProperty("baselineThroughput").GetDouble() > 0);
        Assert.True(row.GetProperty("ratio").GetDouble() > 0);
        Assert.True(row.GetProperty("serverPeakRssMb").GetDouble() > 0);
        Assert.Contains("| clients |", run.StdOut);
    }
}

/// <summary>
/// <c>load --peer nats</c>: with nats-server on PATH it reports NATS's figures beside ours and leaves no
/// nats-server or responder running; without it, it says how to install it. Nothing here is about speed.
/// </summary>
// The load generator saturates both cores by design.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class NatsPeerSmokeSpecs
{
    [Fact]
    public async Task Load_against_nats_reports_its_figures_and_stops_what_it_started()
    {
        using var run = await LoadRun.RunAsync(["load", "--peer", "nats", "--clients", "2", "--seconds", "2", "--warmup", "1", "--no-baseline"], 90);
        if (!NatsAtHand.Installed())
        {
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("nats-server is not on PATH (Debian: apt-get install -y nats-server)", run.StdErr);
            return;
        }
        var row = Assert.Single(run.Figures().GetProperty("results").EnumerateArray());
        Assert.True(row.GetProperty("throughput").GetDouble() > 0);
        Assert.True(row.GetProperty("natsThroughput").GetDouble() > 0);
        Assert.True(row.GetProperty("natsRatio").GetDouble() > 0);
        Assert.Equal(0, row.GetProperty("natsErrors").GetInt64());
        Assert.True(row.GetProperty("natsP99Ms").GetDouble() >= row.GetProperty("natsP50Ms").GetDouble());
        Assert.True(row.GetProperty("natsP50Ms").GetDouble() > 0);
        Assert.Contains("Side by side with NATS", run.StdOut);
        // "NATS at URL (nats-server pid N, responder pid M)": both are gone once load has exited.
        Assert.Matches(@"nats-server pid \d+, responder pid \d+", run.StdErr);
        run.AssertStoppedWhatItStarted(atLeast: 2);
    }
}

/// <summary>Whether the load generator finds nats-server where it looks (Benchmarks/Nats/NatsServer.cs): PATH, then /usr/sbin.</summary>
internal static class NatsAtHand
{
    public static bool Installed() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Any(d => File.Exists(Path.Combine(d, "nats-server")));
}

/// <summary>
/// <c>messaging --durable</c>: DMs and room messages kept in a fresh SQLite store by reserved names, beside the same
/// load kept nowhere and (with nats-server at hand) JetStream; sane figures, a store written, nothing left running.
/// Nothing here is about speed.
/// </summary>
// The load generator saturates both cores by design.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class DurableMessagingSmokeSpecs
{
    [Fact]
    public async Task Durable_messaging_with_two_clients_reports_sane_figures_for_each_side()
    {
        const double Seconds = 1;
        using var run = await LoadRun.RunAsync(["messaging", "--durable", "--clients", "2", "--seconds", $"{Seconds}", "--warmup", "0.5"], 120);
        var rows = run.Figures().GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["DM", "room"], rows.Select(r => r.GetProperty("traffic").GetString()));
        foreach (var row in rows)
        {
            Assert.Equal(2, row.GetProperty("clients").GetInt32());
            var sides = new List<(string Name, JsonElement Side)> { ("durable", row.GetProperty("durable")), ("memory", row.GetProperty("memory")) };
            if (NatsAtHand.Installed()) sides.Add(("jetStream", row.GetProperty("jetStream")));
            else Assert.Equal(JsonValueKind.Null, row.GetProperty("jetStream").ValueKind);
            foreach (var (name, side) in sides)
            {
                // Only replies and deliveries that land within the measured second count: when a round trip takes longer (a
                // loaded box), none lands and 0 a second is the true figure, which the slowest round trip then shows.
                var slowerThanTheRun = side.GetProperty("maxMs").GetDouble() >= Seconds * 1000;
                Assert.True(side.GetProperty("throughput").GetDouble() > 0 || slowerThanTheRun, side.ToString());
                Assert.True(side.GetProperty("deliveredPerSecond").GetDouble() > 0 || slowerThanTheRun, side.ToString());
                // The unkept side runs as fast as the box lets it: when the load generator's own clients fall behind (an
                // ack every 32 events), their sessions drop past their 256 unacknowledged events and the senders hear
                // 429 "not keeping up", the server's bound doing its work (3 of 3 runs on one quiet box, 1 of 3 on
                // another build). Any other error, and any on the kept or JetStream side, is a fault.
                if (side.GetProperty("errors").GetInt64() > 0 && name == "memory")
                    Assert.Matches("^429 .* is not keeping up; message dropped$", side.GetProperty("firstError").GetString());
                else Assert.True(side.GetProperty("errors").GetInt64() == 0, $"{name}: {side}");
                Assert.True(side.GetProperty("p50Ms").GetDouble() > 0, side.ToString());
                Assert.True(side.GetProperty("p99Ms").GetDouble() >= side.GetProperty("p50Ms").GetDouble(), side.ToString());
            }
            // The kept side wrote its journal; the unkept one has no store figure.
            Assert.True(row.GetProperty("durable").GetProperty("storeMb").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("memory").GetProperty("storeMb").ValueKind);
        }
        Assert.Contains("| SQLite msgs/s |", run.StdOut);
        // "SQLite at ADDRESS (pid N), in memory at ADDRESS (pid M)[, JetStream at URL (nats-server pid K)]": all gone once it has exited.
        run.AssertStoppedWhatItStarted(atLeast: NatsAtHand.Installed() ? 3 : 2);
    }
}

/// <summary>
/// <c>client-cost</c>: the scripted ActorClient (and, with nats-server at hand, a NATS.Net client process) fed small
/// counts of requests; sane figures and nothing left running. Nothing here is about speed.
/// </summary>
// The load generator saturates both cores by design.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ClientCostSmokeSpecs
{
    [Fact]
    public async Task Client_cost_reports_sane_figures_per_client_and_stops_what_it_started()
    {
        using var run = await LoadRun.RunAsync(["client-cost", "--requests", "200,1200", "--repeats", "1"], 180);
        var figures = run.Figures();
        Assert.Equal(200, figures.GetProperty("small").GetInt64());
        Assert.Equal(1200, figures.GetProperty("large").GetInt64());
        var rows = figures.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(NatsAtHand.Installed() ? ["ours", "NATS.Net"] : ["ours"], rows.Select(r => r.GetProperty("client").GetString()));
        foreach (var row in rows)
        {
            Assert.Equal(0, row.GetProperty("errors").GetInt64());
            // Within one process 1,000 requests cost CPU and time; across two processes the difference of such small
            // counts is within the start-up's spread, so only its presence is checked.
            Assert.True(row.GetProperty("inProcessUsPerRequest").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("wallUsPerRequest").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("sleepsPerRequest").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("startCpuMs").GetDouble() > 0, row.ToString());
            Assert.Single(row.GetProperty("eachUs").EnumerateArray());
        }
        Assert.Contains("| client | CPU µs per request |", run.StdOut);
        // "server at ADDRESS (pid N)[, NATS at URL (nats-server pid K, responder pid M)]": all gone once it has exited.
        run.AssertStoppedWhatItStarted(atLeast: NatsAtHand.Installed() ? 3 : 1);
    }
}

/// <summary>
/// <c>capacity</c> at a small scale (the documented run fills a node's 4,096 slots, minutes on this box): busy clients
/// alone and with idle ones registered from two client systems, in two registration steps; sane figures, the server
/// gone afterwards. Nothing here is about speed.
/// </summary>
// The load generator saturates both cores by design.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class CapacitySmokeSpecs
{
    [Fact]
    public async Task Capacity_with_a_few_idle_clients_reports_memory_registrations_and_busy_latency()
    {
        using var run = await LoadRun.RunAsync(["capacity", "--idle", "6", "--idle-systems", "2", "--busy", "2", "--seconds", "1", "--warmup", "0.5"], 120);
        var r = run.Figures();
        Assert.Equal("single-host", r.GetProperty("mode").GetString());
        Assert.Equal(6, r.GetProperty("idle").GetInt32());
        Assert.Equal(4, r.GetProperty("associations").GetInt32()); // 2 idle systems + 2 busy clients
        // Not every slot taken: no registration past the last one was tried.
        Assert.Equal(JsonValueKind.Null, r.GetProperty("overCapacity").ValueKind);
        var steps = r.GetProperty("registrations").EnumerateArray().ToList();
        Assert.Equal([3, 3], steps.Select(s => s.GetProperty("clients").GetInt32()));
        Assert.All(steps, s => Assert.True(s.GetProperty("perSecond").GetDouble() > 0, s.ToString()));
        foreach (var phase in new[] { r.GetProperty("alone"), r.GetProperty("withIdle") })
        {
            Assert.True(phase.GetProperty("throughput").GetDouble() > 0, phase.ToString());
            Assert.Equal(0, phase.GetProperty("errors").GetInt64());
            Assert.True(phase.GetProperty("p99Ms").GetDouble() >= phase.GetProperty("p50Ms").GetDouble(), phase.ToString());
        }
        var node = Assert.Single(r.GetProperty("nodes").EnumerateArray());
        Assert.Equal(8, node.GetProperty("clients").GetInt32());
        Assert.True(node.GetProperty("peakRssMb").GetDouble() >= node.GetProperty("rssWithIdleMb").GetDouble());
        Assert.True(node.GetProperty("rssStartMb").GetDouble() > 0);
        Assert.Contains("| busy clients' run |", run.StdOut);
        // "server at ADDRESS (pid N)": gone once capacity has exited.
        run.AssertStoppedWhatItStarted(atLeast: 1);
    }
}

/// <summary>
/// <c>socket-floor</c>: both bare socket servers answer, the figures are there, and no server is left running. Nothing
/// here is about speed.
/// </summary>
// The servers and clients share both cores.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class SocketFloorSmokeSpecs
{
    [Fact]
    public async Task Socket_floor_reports_both_servers_cost_and_stops_them()
    {
        using var run = await LoadRun.RunAsync(["socket-floor", "--clients", "4", "--rate", "2000", "--seconds", "2", "--repeats", "1"], 90);
        Assert.True(run.ExitCode == 0, run.StdErr);
        var results = run.Figures().GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["inline", "hop"], results.Select(r => r.GetProperty("server").GetString()));
        // 4,000 requests cost each server well over the 10 ms the kernel counts CPU time in.
        Assert.All(results, r => Assert.True(r.GetProperty("medianUs").GetDouble() > 0));
        Assert.Contains("| server | CPU µs per request", run.StdOut);
        run.AssertStoppedWhatItStarted(2);
    }
}
