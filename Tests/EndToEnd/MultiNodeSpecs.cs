using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>Two real server nodes sharing one segment, real clients, and `inspect` from a third process.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class MultiNodeSpecs
{
    [Fact]
    public async Task Two_nodes_share_one_registry_and_one_server_seq_and_inspect_agrees_with_the_clients()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var alice = await a.ConnectAsync("alice");
        await using var carol = await b.ConnectAsync("carol");

        // One sequence across both nodes: registrations 1 and 2, then strictly increasing across nodes.
        Assert.Equal([1L, 2L], new[] { alice.Registration.GetProperty("serverSeq").GetInt64(), carol.Registration.GetProperty("serverSeq").GetInt64() }.Order());
        var seqs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            seqs.Add((await alice.SendAsync($"even {i}")).GetProperty("serverSeq").GetInt64());
            seqs.Add((await carol.SendAsync($"prime {i}")).GetProperty("serverSeq").GetInt64());
        }
        Assert.Equal(Enumerable.Range(3, 6).Select(i => (long)i), seqs);
        await carol.SendAsync("calc 1 / 0");

        // The name is unique across nodes.
        await using (var dup = await b.ConnectAsync("alice"))
            Assert.Equal(409, dup.Registration.GetProperty("code").GetInt32());

        var json = await InspectAsync(segment);
        var clients = json.GetProperty("clients").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["alice", "carol"], clients.Keys.Order());
        Assert.Equal(a.Address, clients["alice"].GetProperty("node").GetString());
        Assert.Equal(b.Address, clients["carol"].GetProperty("node").GetString());
        Assert.Equal(3, clients["alice"].GetProperty("requests").GetInt64());
        Assert.Equal(4, clients["carol"].GetProperty("requests").GetInt64());
        Assert.Equal(9, json.GetProperty("serverSeq").GetInt64());
        Assert.Equal(2, json.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("alive").GetBoolean()));

        // `who` agrees with inspect.
        var who = await alice.SendAsync("who");
        Assert.Equal(["alice", "carol"], who.GetProperty("result").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).Order());
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_name_on_two_nodes_have_exactly_one_winner()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        for (var round = 0; round < 3; round++)
        {
            var name = $"racer{round}";
            var racers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? a : b).ConnectAsync(name)));
            try
            {
                var codes = racers.Select(r => r.Registration.GetProperty("code").GetInt32()).ToArray();
                Assert.Equal(1, codes.Count(c => c == 200));
                Assert.Equal(3, codes.Count(c => c == 409));
            }
            finally
            {
                foreach (var r in racers) await r.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_killed_node_is_reaped_by_the_survivor_and_its_names_become_free()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var dora = await b.ConnectAsync("dora");
        Assert.Equal(200, dora.Registration.GetProperty("code").GetInt32());

        b.Process.Signal(Posix.SIGKILL);
        await b.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));

        var watch = Stopwatch.StartNew();
        while (true)
        {
            var json = await InspectAsync(segment);
            if (json.GetProperty("clients").GetArrayLength() == 0 && json.GetProperty("nodes").GetArrayLength() == 1) break;
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10).Scaled(), $"dead node not reaped: {json}");
            await Task.Delay(250);
        }
        await using var again = await a.ConnectAsync("dora");
        Assert.Equal(200, again.Registration.GetProperty("code").GetInt32());
        Assert.Equal(200, (await again.SendAsync("prime 5")).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Clean_shutdown_of_the_last_node_removes_the_segment_file()
    {
        var segment = ServerNode.NewSegmentName();
        var a = await ServerNode.StartAsync(segment);
        var b = await ServerNode.StartAsync(segment);
        try
        {
            await a.StopAsync();
            Assert.True(File.Exists($"/dev/shm/{segment}"), "the segment must stay while a node uses it");
            await b.StopAsync();
            Assert.False(File.Exists($"/dev/shm/{segment}"), "the last node must remove the segment");
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_foreign_file_in_place_of_the_segment_is_refused_with_a_clear_error()
    {
        var segment = ServerNode.NewSegmentName();
        await File.WriteAllBytesAsync($"/dev/shm/{segment}", Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray());
        try
        {
            // A data directory of its own: the node claims it before it opens the segment, and the run's default one may be
            // held by another spec's server at that moment (then: exit 1, "in use", not the segment's error).
            await using var p = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", segment, "--data", SpecData.For(segment)], redirectInput: false);
            Assert.Equal(1, await p.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"cannot use segment '{segment}'", p.StdErr);
            Assert.DoesNotContain("Unhandled exception", p.StdErr);
            // Refused before remoting starts: one clear line, no stack trace, never "listening".
            Assert.DoesNotContain("   at ", p.StdErr + p.StdOut);
            Assert.DoesNotContain("listening on", p.StdOut);
        }
        finally
        {
            SegmentFiles.Remove(segment);
        }
    }

    internal static async Task<JsonElement> InspectAsync(string segment)
    {
        await using var p = new ChildProcess(Binaries.Server, ["inspect", "--segment", segment, "--json"], redirectInput: false);
        Assert.Equal(0, await p.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return JsonDocument.Parse(p.StdOut).RootElement;
    }
}
