using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary><c>ActorServer --monitor</c> on a real server process: each endpoint's answer, counters that move with
/// real traffic, a real 503, a port in use, and malformed HTTP.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class MonitorEndpointSpecs
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_endpoint_answers_and_the_counters_move_with_real_traffic()
    {
        var port = FreePorts.Next();
        await using var server = await ServerNode.StartAsync(null, 0, "--monitor", $"127.0.0.1:{port}");
        using var http = Http(port);

        var health = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", Json(await health.Content.ReadAsStringAsync()).GetProperty("status").GetString());
        // Before anything happened, the counters are there with 0 (an operator's alert on a rate needs the series from
        // the start; they were missing until first counted).
        var fresh = await http.GetStringAsync("/metrics");
        foreach (var name in new[] { "switchboard_registrations_total", "switchboard_history_queries_total", "switchboard_messages_stored_offline_total",
                     "switchboard_store_write_failures_total", "switchboard_state_unavailable_total" })
            Assert.Matches($@"\n{name}(\{{[^}}]*\}})? 0\n", fresh);

        await using var alice = await server.ConnectAsync("alice");
        for (var i = 0; i < 3; i++) Assert.Equal(200, (await alice.SendAsync("calc 6 * 7")).GetProperty("code").GetInt32());
        Assert.Equal(422, (await alice.SendAsync("calc 1 / 0")).GetProperty("code").GetInt32());

        // The scrape sees every answered request by code, the registration and the online client.
        var metrics = await WaitForMetrics(http, m =>
            Value(m, "switchboard_requests_total", "code=\"200\"") >= 3 && Value(m, "switchboard_requests_total", "code=\"422\"") >= 1 &&
            Value(m, "switchboard_segment_lock_wait_seconds_count") >= 5); // ticks take the lock too: waited for, not raced
        Assert.Equal(1, Value(metrics, "switchboard_registrations_total"));
        Assert.Equal(1, Value(metrics, "switchboard_clients_online"));
        Assert.True(Value(metrics, "switchboard_request_duration_seconds_count") >= 4);
        Assert.True(Value(metrics, "switchboard_segment_lock_wait_seconds_count") >= 5);
        Assert.True(Value(metrics, "switchboard_dotnet_gc_heap_total_allocated_bytes_total") > 0); // runtime metrics too
        foreach (var name in MetricNames(metrics))
            Assert.True(name.StartsWith("switchboard_", StringComparison.Ordinal) || name == "target_info", $"unprefixed metric {name}");
        Assert.DoesNotContain("alice", metrics); // no per-client label

        var status = Json(await http.GetStringAsync("/status"));
        Assert.Equal(server.Address, status.GetProperty("node").GetString());
        Assert.Equal("single-host", status.GetProperty("mode").GetString());
        Assert.Equal(server.Address, Assert.Single(status.GetProperty("nodes").EnumerateArray()).GetProperty("address").GetString());
        Assert.Equal(1, status.GetProperty("clients").GetProperty("online").GetInt32());
        Assert.Equal(4, status.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(5, status.GetProperty("totals").GetProperty("serverSeq").GetInt64());
        // alice's connection, counted against the client port's caps (their defaults).
        var connections = status.GetProperty("connections");
        Assert.True(connections.GetProperty("open").GetInt32() >= 1, connections.ToString());
        Assert.Equal((4096, 1024), (connections.GetProperty("max").GetInt32(), connections.GetProperty("maxPerHost").GetInt32()));
        Assert.True(Value(metrics, "switchboard_connections_open") >= 1);

        var clients = Json(await http.GetStringAsync("/clients"));
        Assert.Equal(1, clients.GetProperty("total").GetInt32());
        var entry = Assert.Single(clients.GetProperty("clients").EnumerateArray());
        Assert.Equal("alice", entry.GetProperty("name").GetString());
        Assert.Equal(server.Address, entry.GetProperty("node").GetString());
        Assert.Equal(4, entry.GetProperty("requests").GetInt64());
        Assert.Equal(0, entry.GetProperty("rateLimited").GetInt64());
        // Milliseconds, as `who` and /status write times: not the runtime's seven decimals.
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", entry.GetProperty("since").GetString());
        Assert.Empty(Json(await http.GetStringAsync("/clients?offset=1&limit=10")).GetProperty("clients").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/clients?limit=abc")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/clients?limit=5000")).StatusCode);

        // A mistyped path is told what there is.
        var missing = await http.GetAsync("/stats");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var said = Json(await missing.Content.ReadAsStringAsync());
        Assert.Equal("no endpoint /stats", said.GetProperty("error").GetString());
        Assert.Contains("/status", said.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));

        // Read-only: nothing but GET.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/status", new StringContent("x"))).StatusCode);
    }

    [Fact]
    public async Task Healthz_answers_503_with_the_reason_while_the_segment_lock_is_held_and_200_again_after()
    {
        var port = FreePorts.Next();
        await using var server = await ServerNode.StartAsync(null, 0, "--monitor", $"127.0.0.1:{port}");
        using var http = Http(port);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);

        // Another process of this user holding the lock is what a stuck node looks like (the lock is a flock: this
        // process's own descriptor competes like any other). Held and released on this one thread.
        using var mutex = new SegmentMutex(server.Segment, Timeout.InfiniteTimeSpan);
        var (code, body) = HoldingTheLock(mutex, () =>
        {
            var deadline = DateTime.UtcNow + Patience.Scaled();
            while (true)
            {
                using var r = http.GetAsync("/healthz").GetAwaiter().GetResult();
                var text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if (r.StatusCode != HttpStatusCode.OK || DateTime.UtcNow > deadline) return (r.StatusCode, text);
                Thread.Sleep(100);
            }
        });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        Assert.Contains("segment lock", Json(body).GetProperty("reason").GetString());

        await WaitFor(async () => (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_monitor_port_in_use_refuses_the_start_with_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var segment = ServerNode.NewSegmentName();
        await using var server = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", segment, "--monitor", $"127.0.0.1:{port}"], redirectInput: false);
        try
        {
            Assert.Equal(1, await server.WaitForExitAsync(Patience));
            Assert.Contains("already in use", server.StdErr);
            Assert.DoesNotContain("listening on", server.StdOut);
        }
        finally
        {
            SegmentFiles.Remove(segment);
        }
    }

    [Fact]
    public async Task Malformed_http_is_refused_and_the_endpoint_keeps_serving()
    {
        var port = FreePorts.Next();
        await using var server = await ServerNode.StartAsync(null, 0, "--monitor", $"127.0.0.1:{port}");
        string[] attacks =
        [
            "GARBAGE\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 64 * 1024) + "\r\n\r\n",
            "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
            "\0\0\0\xff\xfe binary",
        ];
        foreach (var attack in attacks)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.Latin1.GetBytes(attack));
            tcp.Client.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Patience.Scaled());
            var answer = Encoding.Latin1.GetString(buffer, 0, read);
            Assert.True(read == 0 || answer.StartsWith("HTTP/1.1 4", StringComparison.Ordinal), $"answer to a malformed request: {answer}");
        }
        using var http = Http(port);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.False(server.Process.HasExited);
    }

    static (HttpStatusCode, string) HoldingTheLock(SegmentMutex mutex, Func<(HttpStatusCode, string)> work)
    {
        using var held = mutex.Enter();
        return work();
    }

    static HttpClient Http(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Patience };


    static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    static async Task<string> WaitForMetrics(HttpClient http, Func<string, bool> done)
    {
        var text = "";
        await WaitFor(async () => done(text = await http.GetStringAsync("/metrics")));
        return text;
    }

    static async Task WaitFor(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience.Scaled();
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(100);
        }
    }

    /// <summary>The sum of a metric's samples whose labels contain <paramref name="label"/> (0 when absent).</summary>
    internal static double Value(string exposition, string name, string? label = null) =>
        exposition.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length > name.Length && (l[name.Length] == '{' || l[name.Length] == ' ')))
            .Where(l => label is null || l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    static IEnumerable<string> MetricNames(string exposition) =>
        exposition.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0]).Distinct();
}
