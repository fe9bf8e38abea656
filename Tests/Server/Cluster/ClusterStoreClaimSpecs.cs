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
        var clusterPort = ClusterNode.FreePort("127.0.0.1");
        await using var first = await ClusterNode.StartAsync("127.0.0.1", ClusterNode.FreePort("127.0.0.1"), clusterPort, $"127.0.0.1:{clusterPort}", "--db", db);
        await using var bob = await first.ConnectAsync("bob");
        Assert.Equal(200, Code(bob.Registration));

        await using var lone = Lone("127.0.0.2", "--db", db);
        Assert.Equal(1, await lone.WaitForExitAsync(Patience));
        Assert.DoesNotContain("listening on", lone.StdOut);
        // Names the problem, who holds the database, and the fix.
        Assert.Contains("another cluster", lone.StdErr);
        Assert.Contains(first.Address, lone.StdErr);
        Assert.Contains("--seeds", lone.StdErr);
        Assert.Contains($"127.0.0.1:{clusterPort}", lone.StdErr);

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
        var clusterPort = ClusterNode.FreePort("127.0.0.1");
        var first = await ClusterNode.StartAsync("127.0.0.1", ClusterNode.FreePort("127.0.0.1"), clusterPort, $"127.0.0.1:{clusterPort}", "--db", db, "--config", config);
        await using (first)
        {
            first.Process.Signal(Posix.SIGTERM);
            Assert.Equal(0, await first.Process.WaitForExitAsync(Patience));
        }

        var nextPort = ClusterNode.FreePort("127.0.0.2");
        await using var next = await ClusterNode.StartAsync("127.0.0.2", ClusterNode.FreePort("127.0.0.2"), nextPort, $"127.0.0.2:{nextPort}", "--db", db, "--config", config);
        await using var bob = await next.ConnectAsync("bob");
        Assert.Equal(200, Code(bob.Registration));
    }

    [Fact]
    public async Task A_new_cluster_starts_on_a_database_whose_cluster_was_killed_once_its_claim_lapses()
    {
        var db = Secret(_dir, await postgres.CreateDatabaseAsync());
        var config = Config("store-claim-lease = 3s, store-claim-renew = 500ms");
        var clusterPort = ClusterNode.FreePort("127.0.0.1");
        var first = await ClusterNode.StartAsync("127.0.0.1", ClusterNode.FreePort("127.0.0.1"), clusterPort, $"127.0.0.1:{clusterPort}", "--db", db, "--config", config);
        await using (first)
        {
            first.Process.Signal(Posix.SIGKILL);
            await first.Process.WaitForExitAsync(Patience);
        }

        // Refused while the killed cluster's claim is live (each refusal says when it lapses), then served.
        var refusals = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var lone = Lone("127.0.0.2", "--db", db, "--config", config);
            var listening = lone.WaitForLineAsync(l => l.Contains("listening on"), Patience);
            if (await Task.WhenAny(listening, lone.WaitForExitAsync(Patience)) == listening && !listening.IsFaulted)
            {
                await using var bob = await ClientSession.StartAsync("bob", ListeningAddress(await listening));
                Assert.Equal(200, Code(bob.Registration));
                await lone.DisposeAsync();
                return true;
            }
            Assert.Equal(1, await lone.WaitForExitAsync(Patience));
            Assert.Contains("another cluster", lone.StdErr);
            Assert.Contains("lapses", lone.StdErr);
            refusals++;
            await lone.DisposeAsync();
            return false;
        }, Patience, () => $"no cluster started after {refusals} refusals");
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
