using System.Net;
using System.Text.Json;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// <c>--monitor</c> on a real cluster-mode node, and <c>inspect --monitor</c> against it. Two nodes: the monitored one
/// starts first with the other as its only seed, so it is certainly not Up until that seed starts (no race to win).
/// Every wait is for a condition, with a generous bound.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ClusterMonitorSpecs
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    const string Seed = "127.0.0.1", Watched = "127.0.0.2";

    [Fact]
    public async Task Healthz_is_503_until_the_node_is_Up_then_status_metrics_clients_inspect_and_json_logs_show_the_cluster()
    {
        int seedPort = ClusterNode.FreePort(Seed), seedClusterPort = ClusterNode.FreePort(Seed), port = ClusterNode.FreePort(Watched), monitorPort = ClusterNode.FreePort(Watched);
        var seeds = $"{Seed}:{seedClusterPort}";
        await using var watched = new ChildProcess(Binaries.Server,
            ["--cluster", "--host", Watched, "--port", port.ToString(), "--cluster-port", ClusterNode.FreePort(Watched).ToString(), "--seeds", seeds, "--cluster-secret-file", ClusterSecret.File, "--monitor", $"{Watched}:{monitorPort}", "--log-format", "json"], redirectInput: false);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{Watched}:{monitorPort}"), Timeout = TimeSpan.FromSeconds(30) };

        // Its only seed is not running: the endpoint answers, and says why the node is not ready.
        var early = await Eventually(async () =>
        {
            try { return await http.GetAsync("/healthz"); }
            catch (HttpRequestException) { return null; } // not listening yet
        });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.Contains("not yet Up in the cluster", Json(await early.Content.ReadAsStringAsync()).GetProperty("reason").GetString());
        Assert.Equal("cluster", Json(await http.GetStringAsync("/status")).GetProperty("mode").GetString());

        await using var seed = await ClusterNode.StartAsync(Seed, seedPort, seedClusterPort, seeds);
        await watched.WaitForLineAsync(l => l.Contains($"listening on akka.tcp://switchboard@{Watched}:{port}"), Patience);
        await EventuallyValue(async () => (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK ? true : (bool?)null);

        var status = await EventuallyValue(async () =>
        {
            var s = Json(await http.GetStringAsync("/status"));
            return s.GetProperty("nodes").GetArrayLength() == 2 ? (JsonElement?)s : null;
        });
        Assert.Equal("cluster", status.GetProperty("mode").GetString());
        Assert.Equal("ok", status.GetProperty("status").GetString());
        Assert.Equal($"{Watched}:{port}", status.GetProperty("node").GetString());
        var members = status.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("address").GetString()!);
        Assert.Equal(["127.0.0.1:" + seedPort, "127.0.0.2:" + port], members.Keys.Order());
        Assert.All(members.Values, m =>
        {
            Assert.Equal("up", m.GetProperty("state").GetString());
            Assert.True(m.GetProperty("reachable").GetBoolean());
        });

        // A real client on the watched node: its request is counted, and it is listed as this node's.
        var session = await ClientSession.StartAsync("alice", $"{Watched}:{port}");
        await using (session)
        {
            Assert.Equal(200, session.Registration.GetProperty("code").GetInt32());
            Assert.Equal(200, (await session.SendAsync("calc 6 * 7")).GetProperty("code").GetInt32());
            var metrics = await Eventually(async () =>
            {
                var m = await http.GetStringAsync("/metrics");
                return MonitorEndpointSpecs.Value(m, "switchboard_requests_total", "code=\"200\"") >= 1 ? m : null;
            });
            Assert.Equal(1, MonitorEndpointSpecs.Value(metrics, "switchboard_registrations_total"));
            Assert.Equal(1, MonitorEndpointSpecs.Value(metrics, "switchboard_clients_online"));

            var clients = Json(await http.GetStringAsync("/clients?limit=10"));
            Assert.Equal("node", clients.GetProperty("scope").GetString());
            Assert.Equal("alice", Assert.Single(clients.GetProperty("clients").EnumerateArray()).GetProperty("name").GetString());
            Assert.Empty(Json(await http.GetStringAsync("/clients?offset=1&limit=10")).GetProperty("clients").EnumerateArray());
            var totals = await EventuallyValue(async () =>
            {
                var t = Json(await http.GetStringAsync("/status")).GetProperty("totals");
                return t.GetProperty("requests").GetInt64() >= 1 ? (JsonElement?)t : null;
            });
            Assert.Equal(1, totals.GetProperty("registrations").GetInt64());

            // inspect --monitor: the members as a table, and as JSON.
            var table = await Inspect("--monitor", $"{Watched}:{monitorPort}");
            Assert.Contains($"127.0.0.1:{seedPort}", table);
            Assert.Contains($"127.0.0.2:{port}", table);
            Assert.Contains("mode cluster", table);
            var json = Json((await Inspect("--url", $"http://{Watched}:{monitorPort}/", "--json")).Trim());
            Assert.Equal("cluster", json.GetProperty("mode").GetString());
            Assert.Equal(2, json.GetProperty("nodes").GetArrayLength());
        }

        // --log-format json holds in cluster mode too: every log line on stderr is one JSON object.
        var logLines = watched.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(logLines, l => l.Contains("monitoring on http://"));
        Assert.All(logLines, l => Assert.Equal(JsonValueKind.Object, Json(l).ValueKind));
    }

    [Fact]
    public async Task Inspect_monitor_of_an_endpoint_nobody_serves_exits_1_with_the_reason()
    {
        var port = ClusterNode.FreePort(Seed);
        await using var inspect = new ChildProcess(Binaries.Server, ["inspect", "--monitor", $"{Seed}:{port}", "--json"], redirectInput: false);
        Assert.Equal(1, await inspect.WaitForExitAsync(Patience));
        Assert.Contains("cannot read", Json(inspect.StdOut.Trim()).GetProperty("error").GetString());
    }

    static async Task<string> Inspect(params string[] args)
    {
        await using var inspect = new ChildProcess(Binaries.Server, ["inspect", .. args], redirectInput: false);
        Assert.Equal(0, await inspect.WaitForExitAsync(Patience));
        return inspect.StdOut;
    }

    static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    /// <summary>Polls until <paramref name="probe"/> gives a value (null: not yet), within <see cref="Patience"/>.</summary>
    static async Task<T> Eventually<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Patience.Scaled();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(100);
        }
    }

    static async Task<T> EventuallyValue<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow + Patience.Scaled();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(100);
        }
    }
}
