using System.Diagnostics;
using System.Text.Json;
using Switchboard.Tests.EndToEnd;
using static Switchboard.Tests.EndToEnd.HistorySpecs;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// Cluster mode with its store (issue 21 point 5): three real nodes on 127.0.0.1/.2/.3 sharing a real PostgreSQL
/// (<see cref="PostgresServer"/>, a throwaway server for this class). Accounts are checked by whichever node a client
/// reaches; conversations and inboxes are sharded entities; a node killed with kill -9 loses no acknowledged message and
/// its conversations continue on the others.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterHistorySpecs(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private const string AlicePassword = "through-the-looking-glass-7";
    private readonly string _dir = Directory.CreateTempSubdirectory("sbclusterdb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The connection string in a 0600 file, as an operator keeps it: the password stays off the command line.
    private async Task<string> DbFileAsync() => Secret(_dir, await postgres.CreateDatabaseAsync());

    [Fact]
    public async Task A_node_killed_with_kill_9_right_after_stored_loses_nothing_and_its_conversations_go_on_elsewhere()
    {
        await using var cluster = await ThreeNodes.StartAsync("--db", await DbFileAsync());
        var password = Secret(_dir, AlicePassword);
        // Reserved on node 1; refused without her password on node 3 (another node checks the same account).
        await LeaveAsync(await cluster[0].ConnectAsync("alice", "--password-file", password), "reserve", "reserved");
        await using (var impostor = await cluster[2].ConnectAsync("alice"))
            Assert.Equal(403, Code(impostor.Registration));

        string[] texts = ["are you there?", "the tea party moved", "bring the hatter"];
        await using (var bob = await cluster[1].ConnectAsync("bob"))
        {
            Assert.Equal("joined #tea", Result(await bob.SendAsync("join #tea")));
            Assert.Equal("sent to #tea", Result(await bob.SendAsync("say #tea is anyone here?")));
            foreach (var text in texts)
            {
                var stored = await bob.SendAsync($"tell alice {text}");
                Assert.Equal((202, "stored: alice is offline, delivered when they return"), (Code(stored), Result(stored)));
            }
            // Right after the last "stored": the node that answered it gets no chance to flush or hand over.
            await cluster.KillAsync(1);
        }

        // Bob again, on another node: once the cluster has downed the dead node, its shards run here or on node 1, and
        // the same conversation takes his next message with the next id.
        var clock = Stopwatch.StartNew();
        await using (var bob = await ReconnectAsync(cluster[2], "bob", clock))
        {
            JsonElement reply;
            while (Code(reply = await bob.SendAsync("tell alice still there?")) != 202)
            {
                Assert.Equal(503, Code(reply)); // the shard is moving: never lost, never a wrong answer
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90).Scaled(), $"the conversation did not resume: {reply}");
                await Task.Delay(500);
            }
            texts = [.. texts, "still there?"];
        }

        // Alice logs in on node 1: every message stored for her, in order, with the count; the room's too.
        await using var alice = await cluster[0].ConnectAsync("alice", "--password-file", password);
        Assert.Equal(200, Code(alice.Registration));
        var away = await NextEventAsync(alice);
        Assert.Equal(("away", texts.Length), (away.GetProperty("event").GetString(), away.GetProperty("arrived").GetInt32()));
        for (var i = 0; i < texts.Length; i++)
        {
            var m = await NextEventAsync(alice);
            Assert.Equal((i + 1L, "bob", texts[i], true), (m.GetProperty("id").GetInt64(), m.GetProperty("from").GetString(),
                m.GetProperty("text").GetString(), m.GetProperty("offline").GetBoolean()));
        }
        var (_, history) = await UntilReplyAsync(alice, "history bob");
        Assert.Equal(texts, HistorySpecs.Messages(history).Select(l => l.Text));
        var (replayed, joined) = await UntilReplyAsync(alice, "join #tea");
        Assert.Equal("joined #tea", Result(joined));
        Assert.Equal([(1L, "bob", "is anyone here?")], replayed.Select(Line.Of).Select(l => (l.Id, l.From, l.Text)));
    }

    // A kept DM to a reserved client of a node being stopped (SIGTERM) waited out the delivery timeout for the stopped
    // inbox and was held then (202 "alice's node did not answer" after 5 s); one the node had delivered before its session
    // ended but whose answer was lost could come again at her next login. Now each is delivered live or stored at once,
    // and what she is shown at her next login is exactly what was stored.
    [Fact]
    public async Task A_kept_DM_to_a_reserved_client_of_a_node_being_stopped_is_delivered_or_stored_at_once_and_shown_once()
    {
        await using var cluster = await ThreeNodes.StartAsync("--db", await DbFileAsync());
        var password = Secret(_dir, AlicePassword);
        await LeaveAsync(await cluster[2].ConnectAsync("alice", "--password-file", password), "reserve", "reserved");
        await using var bob = await cluster[0].ConnectAsync("bob");
        var alice = await cluster[2].ConnectAsync("alice", "--password-file", password);
        List<string> delivered = [], stored = [];
        try
        {
            Assert.Equal(200, Code(alice.Registration));
            var clock = Stopwatch.StartNew();
            while (!(await bob.SendAsync("who")).GetProperty("result").EnumerateArray().Any(e => e.GetProperty("name").GetString() == "alice"))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30).Scaled(), "bob's node never listed alice");
                await Task.Delay(200);
            }
            var stopping = cluster[2];
            stopping.Process.Signal(Posix.SIGTERM);
            clock.Restart();
            for (var i = 0; !stopping.Process.HasExited || stored.Count == 0; i++)
            {
                var text = $"m-{i}";
                var r = await bob.SendAsync($"tell alice {text}");
                if (Code(r) == 200)
                {
                    Assert.Equal("delivered", Result(r));
                    delivered.Add(text);
                }
                else
                {
                    Assert.Equal((202, "stored: alice is offline, delivered when they return"), (Code(r), Result(r)));
                    stored.Add(text);
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60).Scaled(), "alice's node still served her a minute after its SIGTERM");
                await Task.Delay(50);
            }
            Assert.Equal(0, await stopping.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await alice.DisposeAsync();
        }

        // Alice on another node: what was stored, once, in order, and nothing she was given live.
        await using var again = await ReconnectAsync(cluster[0], "alice", Stopwatch.StartNew(), "--password-file", password);
        var away = await NextEventAsync(again);
        Assert.Equal(("away", stored.Count), (away.GetProperty("event").GetString(), away.GetProperty("arrived").GetInt32()));
        var shown = new List<string>();
        for (var i = 0; i < stored.Count; i++) shown.Add((await NextEventAsync(again)).GetProperty("text").GetString()!);
        Assert.Equal(stored, shown);
        Assert.Empty(delivered.Intersect(shown));
    }

    // Bob's name stays his dead node's until the cluster downs it (docs/cluster.md: about 12 s).
    private static async Task<ClientSession> ReconnectAsync(ClusterNode node, string name, Stopwatch clock, params string[] extra)
    {
        while (true)
        {
            var client = await node.ConnectAsync(name, extra);
            if (Code(client.Registration) == 200) return client;
            // Taken (the dead node's claim), or 503 while the name's shard moves off the dead node.
            Assert.True(Code(client.Registration) is 409 or 503, client.Registration.ToString());
            await client.DisposeAsync();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60).Scaled(), $"{name}'s name still taken a minute after the kill");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task A_node_whose_store_is_unreachable_says_so_and_exits_1()
    {
        var port = ClusterNode.FreePort("127.0.0.1");
        var nowhere = Secret(_dir, $"Host=127.0.0.1;Port={ClusterNode.FreePort("127.0.0.1")};Database=none;Username=none;Password=not-shown-anywhere");
        await using var node = new ChildProcess(Binaries.Server, ["--cluster", "--host", "127.0.0.1", "--port", port.ToString(),
            "--seeds", $"127.0.0.1:{port + 1}", "--cluster-secret-file", ClusterSecret.File, "--db", nowhere], redirectInput: false);
        Assert.Equal(1, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var error = node.StdErr;
        Assert.Contains("is unreachable", error);
        Assert.DoesNotContain("not-shown-anywhere", error + node.StdOut);
    }
}
