using Npgsql;
using static Switchboard.Tests.EndToEnd.HistorySpecs;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// One database, one cluster at a time: a node whose <c>--seeds</c> reach none of the running cluster's nodes forms a
/// cluster of its own, and on the same database both would write the same conversations and names (Akka.Persistence
/// allows one writer per persistence id). The database holds the running cluster's claim, renewed at the database's
/// clock; a node that finds another cluster's live claim does not serve. Real nodes on 127.0.0.1/.2 and a real
/// PostgreSQL.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterStoreClaimSpecs(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbclusterclaim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_node_naming_only_itself_beside_a_running_cluster_on_its_database_is_refused_and_the_cluster_serves_on()
    {
        var db = Secret(_dir, await postgres.CreateDatabaseAsync());
        await using var first = await FirstNodeAsync("--db", db);
        await using var bob = await first.ConnectAsync("bob");
        Assert.Equal(200, Code(bob.Registration));

        await using var lone = Lone("127.0.0.2", "--db", db);
        Assert.Equal(1, await lone.WaitForExitAsync(Patience));
        Assert.DoesNotContain("listening on", lone.StdOut);
        // Names the problem, who holds the database, and the fix.
        Assert.Contains("another cluster", lone.StdErr);
        Assert.Contains(first.Address, lone.StdErr);
        Assert.Contains("--seeds", lone.StdErr);
        Assert.Contains(first.ClusterAddress, lone.StdErr);
        // Said once, as an error line (it was a log line and then the same as "error:").
        Assert.StartsWith("error: the data store", Assert.Single(lone.StdErr.Split('\n'), l => l.Contains("in use by another cluster")));

        // The running cluster never stopped serving, nor refused its kept writes.
        await using var carol = await first.ConnectAsync("carol");
        Assert.Equal(200, Code(carol.Registration));
        Assert.DoesNotContain("another cluster", first.Process.StdErr);
    }

    [Fact]
    public async Task A_new_cluster_starts_at_once_on_a_database_whose_cluster_was_stopped_cleanly()
    {
        var db = Secret(_dir, await postgres.CreateDatabaseAsync());
        // A lease no spec waits out: only the stopped cluster's release lets the next one in.
        var config = Config("store-claim-lease = 1h");
        Assert.Equal(0, await StartAndStopAsync(Posix.SIGTERM, "--db", db, "--config", config));

        var nextPort = ClusterNode.FreePort("127.0.0.2");
        await using var next = await ClusterNode.StartAsync("127.0.0.2", ClusterNode.FreePort("127.0.0.2"), nextPort, $"127.0.0.2:{nextPort}", "--db", db, "--config", config);
        await using var bob = await next.ConnectAsync("bob");
        Assert.Equal(200, Code(bob.Registration));
    }

    [Fact]
    public async Task A_node_started_on_a_database_whose_cluster_was_killed_waits_for_its_claim_to_lapse_and_serves()
    {
        var db = Secret(_dir, await postgres.CreateDatabaseAsync());
        // Long enough for the next node to start within it (before this change it exited 1 then), short for a spec.
        var config = Config("store-claim-lease = 12s, store-claim-renew = 500ms");
        await StartAndStopAsync(Posix.SIGKILL, "--db", db, "--config", config);

        // Started at once: it waits while the killed cluster's claim is live (nobody renews it), then serves; never exits.
        await using var lone = Lone("127.0.0.2", "--db", db, "--config", config);
        var listening = lone.WaitForLineAsync(l => l.Contains("listening on"), Patience);
        Assert.Same(listening, await Task.WhenAny(listening, lone.WaitForExitAsync(Patience)));
        await using var bob = await ClientSession.StartAsync("bob", ListeningAddress(await listening));
        Assert.Equal(200, Code(bob.Registration));
        Assert.DoesNotContain("in use by another cluster", lone.StdErr);
    }

    [Fact]
    public async Task A_serving_cluster_that_finds_another_clusters_live_claim_refuses_kept_messages_and_keeps_them_again_once_it_lapses()
    {
        var connection = await postgres.CreateDatabaseAsync();
        var config = Config("store-claim-lease = 3s, store-claim-renew = 500ms");
        var monitorPort = ClusterNode.FreePort("127.0.0.1");
        await using var node = await FirstNodeAsync("--db", Secret(_dir, connection), "--config", config, "--monitor", $"127.0.0.1:{monitorPort}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{monitorPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await LeaveAsync(await node.ConnectAsync("alice", "--password-file", Secret(_dir, "down-the-rabbit-hole-42")), "reserve", "reserved");
        await using var bob = await node.ConnectAsync("bob");
        Assert.Equal(202, Code(await bob.SendAsync("tell alice before")));

        // Another cluster (the other side of a split) renews the claim as its own, at the database's clock.
        using var stop = new CancellationTokenSource();
        var other = Task.Run(async () =>
        {
            await using var db = new NpgsqlConnection(connection);
            await db.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                await using var renew = new NpgsqlCommand("UPDATE switchboard_claim SET members = '{127.0.0.9:5001#7}', fronts = '{127.0.0.9:5000}', " +
                    "renewed = now() WHERE id = 1", db);
                await renew.ExecuteNonQueryAsync();
                await Task.Delay(100);
            }
        });
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                var reply = await bob.SendAsync("tell alice while claimed");
                if (Code(reply) != 503) return false;
                Assert.Contains("another cluster", reply.ToString());
                return true;
            }, Patience, () => "a kept message was never refused");
            Assert.Equal(503, Code(await bob.SendAsync("tell alice again")));
            await node.Process.WaitForStdErrAsync("is claimed by another cluster: 127.0.0.9:5000 (node port 127.0.0.9:5001)", Patience);
            // Its monitor says why it is not fit to serve.
            var health = await http.GetAsync("/healthz");
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("claimed by another cluster", await health.Content.ReadAsStringAsync());
            // Online, a DM to her is kept before it is delivered (the conversation, not her inbox): refused the same.
            await using (var alice = await node.ConnectAsync("alice", "--password-file", Secret(_dir, "down-the-rabbit-hole-42")))
            {
                Assert.Equal(200, Code(alice.Registration));
                var online = await bob.SendAsync("tell alice online");
                Assert.Equal(503, Code(online));
                Assert.Contains("in use by another cluster", online.GetProperty("error").GetString());
                // The page pushed at her login ("before") is forgotten by her inbox only once the claim is back.
                await node.Process.WaitForStdErrAsync("are forgotten once this cluster holds the data store's claim again", Patience);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await other;
        }

        // The other stopped renewing: once its claim has lapsed this cluster takes it back and keeps messages again.
        await Eventually.HoldsAsync(async () => Code(await bob.SendAsync("tell alice after")) == 202, Patience, () => "messages were never kept again");
        await node.Process.WaitForStdErrAsync("holds the data store's claim again", Patience);
        await node.Process.WaitForStdErrAsync("1 inbox change(s) that waited for the data store's claim sent on", Patience);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        // One line for the episode, however many writes it refused.
        Assert.Single(node.Process.StdErr.Split('\n'), l => l.Contains("is claimed by another cluster"));
    }

    // A cluster's first node on 127.0.0.1, its own seed.
    private static Task<ClusterNode> FirstNodeAsync(params string[] extra)
    {
        var clusterPort = ClusterNode.FreePort("127.0.0.1");
        return ClusterNode.StartAsync("127.0.0.1", ClusterNode.FreePort("127.0.0.1"), clusterPort, $"127.0.0.1:{clusterPort}", extra);
    }

    // A cluster's first node, started and then stopped by signal: how it exited.
    private static async Task<int> StartAndStopAsync(int signal, params string[] extra)
    {
        await using var first = await FirstNodeAsync(extra);
        first.Process.Signal(signal);
        return await first.Process.WaitForExitAsync(Patience);
    }

    private ChildProcess Lone(string host, params string[] extra)
    {
        var clusterPort = ClusterNode.FreePort(host);
        return new ChildProcess(Binaries.Server, ["--cluster", "--host", host, "--port", ClusterNode.FreePort(host).ToString(),
            "--cluster-port", clusterPort.ToString(), "--seeds", $"{host}:{clusterPort}", "--cluster-secret-file", ClusterSecret.File, .. extra], redirectInput: false);
    }

    // "listening on akka.tcp://switchboard@HOST:PORT"
    private static string ListeningAddress(string line) => line[(line.IndexOf('@') + 1)..].Trim();

    private string Config(string settings)
    {
        var path = Path.Combine(_dir, $"claim-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, $"switchboard.cluster {{ {settings} }}\n");
        return path;
    }
}
