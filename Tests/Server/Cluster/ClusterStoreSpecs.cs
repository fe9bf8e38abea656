using static Switchboard.Tests.EndToEnd.HistorySpecs;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// One cluster, one data store: a node whose <c>--db</c> names another database than the cluster's (or none) is not let
/// in. It would hold shards of names and conversations that the cluster's database knows and its own does not: a name
/// reserved in one would be free in the other. Real nodes on 127.0.0.1/.2/.3 and a real PostgreSQL with two databases.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterStoreSpecs(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbclusterstore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_node_on_another_database_or_none_is_refused_and_says_why_while_the_cluster_serves_on()
    {
        var cluster = Secret(_dir, await postgres.CreateDatabaseAsync());
        var other = Secret(_dir, await postgres.CreateDatabaseAsync());
        var clusterPort = ClusterNode.FreePort("127.0.0.1");
        await using var first = await ClusterNode.StartAsync("127.0.0.1", ClusterNode.FreePort("127.0.0.1"), clusterPort, $"127.0.0.1:{clusterPort}", "--db", cluster);

        foreach (var (host, db) in new[] { ("127.0.0.2", new[] { "--db", other }), ("127.0.0.3", Array.Empty<string>()) })
        {
            await using var stranger = new ChildProcess(Binaries.Server, ["--cluster", "--host", host, "--port", ClusterNode.FreePort(host).ToString(),
                "--cluster-port", ClusterNode.FreePort(host).ToString(), "--seeds", $"127.0.0.1:{clusterPort}", "--cluster-secret-file", ClusterSecret.File,
                .. db], redirectInput: false);
            Assert.Equal(1, await stranger.WaitForExitAsync(Patience));
            Assert.DoesNotContain("listening on", stranger.StdOut);
            // Whichever side saw it first says so: the newcomer ("is not the cluster's") or the cluster ("another store").
            await Eventually.HoldsAsync(() => stranger.StdErr.Contains("is not the cluster's") || first.Process.StdErr.Contains("another store"),
                Patience, () => $"no word of the store: {stranger.StdErr}");
            Assert.Contains("--db", stranger.StdErr);
            // Said once, as an error line (it was a log line and then the same as "error:").
            Assert.True(stranger.StdErr.Split('\n').Count(l => l.Contains("is not the cluster's")) <= 1, stranger.StdErr);
        }

        // The cluster never stopped serving.
        await using var bob = await first.ConnectAsync("bob");
        Assert.Equal(200, Code(bob.Registration));
    }

    [Fact]
    public async Task Nodes_on_one_database_agree_whatever_their_connection_strings_say()
    {
        var database = await postgres.CreateDatabaseAsync();
        var plain = Secret(_dir, database);
        // The same database under another spelling of its connection string.
        var spelled = Secret(_dir, database.Replace("127.0.0.1", "localhost") + ";Application Name=second-node");
        var ports = ThreeNodes.Hosts.Take(2).Select(ClusterNode.FreePort).ToArray();
        var seeds = $"127.0.0.1:{ports[0]}";
        await using var first = await ClusterNode.StartAsync("127.0.0.1", ClusterNode.FreePort("127.0.0.1"), ports[0], seeds, "--db", plain);
        await using var second = await ClusterNode.StartAsync("127.0.0.2", ClusterNode.FreePort("127.0.0.2"), ports[1], seeds, "--db", spelled);
        await using var bob = await second.ConnectAsync("bob");
        Assert.Equal(200, Code(bob.Registration));
        Assert.DoesNotContain("another store", first.Process.StdErr + second.Process.StdErr);
    }
}
