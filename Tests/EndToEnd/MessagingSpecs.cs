using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>Chat between real clients on two real nodes sharing a segment.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class MessagingSpecs
{
    internal static bool IsMessage(string line) => line.StartsWith("{\"event\":\"message\"");

    internal static async Task<JsonElement> NextMessageAsync(ClientSession c) =>
        JsonDocument.Parse(await c.Process.WaitForLineAsync(IsMessage, TimeSpan.FromSeconds(30))).RootElement;

    [Fact]
    public async Task Direct_messages_cross_nodes_both_ways_in_order_and_absent_names_get_404()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var alice = await a.ConnectAsync("alice");
        await using var carol = await b.ConnectAsync("carol");

        for (var i = 0; i < 20; i++)
        {
            var r = await alice.SendAsync($"tell carol hello number {i}");
            Assert.Equal(200, r.GetProperty("code").GetInt32());
        }
        for (var i = 0; i < 20; i++)
        {
            var m = await NextMessageAsync(carol);
            Assert.Equal(("alice", $"hello number {i}", true), (m.GetProperty("from").GetString(), m.GetProperty("text").GetString(), m.GetProperty("direct").GetBoolean()));
        }

        Assert.Equal(200, (await carol.SendAsync("tell alice and back")).GetProperty("code").GetInt32());
        var back = await NextMessageAsync(alice);
        Assert.Equal(("carol", "and back"), (back.GetProperty("from").GetString(), back.GetProperty("text").GetString()));

        var absent = await alice.SendAsync("tell zed anyone there?");
        Assert.Equal(404, absent.GetProperty("code").GetInt32());
        Assert.Equal(422, (await alice.SendAsync("tell carol")).GetProperty("code").GetInt32());
        Assert.Equal(422, (await alice.SendAsync("tell carol " + new string('x', 5000))).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Broadcast_reaches_everyone_else_exactly_once_and_never_the_sender()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var alice = await a.ConnectAsync("alice");
        await using var bob = await a.ConnectAsync("bob");
        await using var carol = await b.ConnectAsync("carol");

        var r = await alice.SendAsync("say hello everyone");
        Assert.Equal(200, r.GetProperty("code").GetInt32());
        Assert.Equal(2, r.GetProperty("result").GetInt32());
        foreach (var c in new[] { bob, carol })
        {
            var m = await NextMessageAsync(c);
            Assert.Equal(("alice", "hello everyone", false), (m.GetProperty("from").GetString(), m.GetProperty("text").GetString(), m.GetProperty("direct").GetBoolean()));
        }
        // A marker: Akka keeps the order of messages between one sender and one receiver, so had anything been
        // duplicated, it would come before the marker.
        await alice.SendAsync("say marker");
        foreach (var c in new[] { bob, carol })
            Assert.Equal("marker", (await NextMessageAsync(c)).GetProperty("text").GetString());
        var own = await alice.SendAsync("sleep 300");
        Assert.Equal(200, own.GetProperty("code").GetInt32());
        Assert.DoesNotContain(alice.Process.StdOut.Split('\n'), IsMessage);
    }

    [Fact]
    public async Task Room_messages_reach_members_on_both_nodes_and_a_joiner_gets_the_recent_history()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var alice = await a.ConnectAsync("alice");
        await using var carol = await b.ConnectAsync("carol");
        await using var bob = await a.ConnectAsync("bob");

        Assert.Equal(200, (await alice.SendAsync("join games")).GetProperty("code").GetInt32());
        Assert.Equal(200, (await carol.SendAsync("join #games")).GetProperty("code").GetInt32());
        Assert.Equal(422, (await bob.SendAsync("say #games not a member")).GetProperty("code").GetInt32());
        for (var i = 0; i < 3; i++) Assert.Equal(200, (await alice.SendAsync($"say #games round {i}")).GetProperty("code").GetInt32());
        for (var i = 0; i < 3; i++)
        {
            var m = await NextMessageAsync(carol);
            Assert.Equal(($"round {i}", "#games"), (m.GetProperty("text").GetString(), m.GetProperty("room").GetString()));
        }

        // bob joins later: the history is replayed before the join's reply.
        await bob.Process.WriteLineAsync("join #games");
        for (var i = 0; i < 3; i++)
        {
            var m = await NextMessageAsync(bob);
            Assert.Equal(($"round {i}", true), (m.GetProperty("text").GetString(), m.GetProperty("replay").GetBoolean()));
        }
        var joined = JsonDocument.Parse(await bob.Process.ReadLineAsync()).RootElement;
        Assert.Equal("join", joined.GetProperty("cmd").GetString());

        var rooms = await carol.SendAsync("rooms");
        var games = rooms.GetProperty("result").EnumerateArray().Single(r => r.GetProperty("room").GetString() == "#games");
        Assert.Equal(3, games.GetProperty("history").GetInt32());
    }

    [Fact]
    public async Task A_stopped_client_does_not_slow_the_others_and_senders_hear_of_dropped_messages()
    {
        // The server's failure detector and liveness probe wait a minute here, so the stopped client stays registered however long the
        // 300 sends take on a busy machine (the unacknowledged bound, not the detector, is under test).
        var patient = Path.Combine(Path.GetTempPath(), $"sb-patient-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(patient, "akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 60s\nswitchboard.liveness-interval = 60s\n");
        await using var server = await ServerNode.StartAsync(extra: ["--config", patient]);
        File.Delete(patient);
        await using var alice = await server.ConnectAsync("alice");
        await using var bob = await server.ConnectAsync("bob");
        await using var sleepy = await server.ConnectAsync("sleepy");
        sleepy.Process.Signal(Posix.SIGSTOP);
        try
        {
            // Far past the unacknowledged-events bound (256): the sleeper's messages are dropped, not queued forever.
            var codes = new List<int>();
            for (var i = 0; i < 300; i++) codes.Add((await alice.SendAsync($"tell sleepy {i}")).GetProperty("code").GetInt32());
            Assert.Equal(256, codes.Count(c => c == 200));
            Assert.Equal(44, codes.Count(c => c == 429));

            // Meanwhile others talk as usual.
            Assert.Equal(200, (await alice.SendAsync("tell bob still here")).GetProperty("code").GetInt32());
            Assert.Equal("still here", (await NextMessageAsync(bob)).GetProperty("text").GetString());
        }
        finally
        {
            sleepy.Process.Signal(Posix.SIGCONT);
        }
    }

    [Fact]
    public async Task Requests_past_the_rate_limit_get_429_with_when_to_come_back_and_the_server_keeps_serving()
    {
        var config = RateLimitedConfig();
        try
        {
            await using var server = await ServerNode.StartAsync(extra: ["--config", config]);
            // A client told not to send a refused command again (the scripted client's default is to wait the
            // server's retry-after and resend: RateLimitSpecs) prints the server's 429 as the answer.
            var noRetry = Path.Combine(Path.GetDirectoryName(config)!, "client.hocon");
            File.WriteAllText(noRetry, "switchboard-client.rate-limit-retries = 0\n");
            await using var client = await server.ConnectAsync("eager", "--config", noRetry);
            var answers = new List<JsonElement>();
            for (var i = 0; i < 10; i++) answers.Add(await client.SendAsync($"even {i}"));
            var codes = answers.Select(a => a.GetProperty("code").GetInt32()).ToList();
            Assert.Contains(429, codes);
            Assert.Equal(200, codes[0]);
            // Each 429 says when the next token comes: at 1 a second, within 1,000 ms.
            Assert.All(answers.Where(a => a.GetProperty("code").GetInt32() == 429),
                a => Assert.InRange(a.GetProperty("retryAfterMs").GetInt64(), 1, 1000));
            // The bucket refills (its arithmetic is ThrottleSpecs' on a manual clock): the server serves on. The probe waits
            // what the last 429 said, as a client should: sent sooner it is one more refusal in a row, past the flood
            // rule's burst, and dropped unanswered (then only the client's 15 s request timeout answers it).
            await Task.Delay(TimeSpan.FromMilliseconds(answers.Last(a => a.GetProperty("code").GetInt32() == 429).GetProperty("retryAfterMs").GetInt64()));
            await Eventually.HoldsAsync(async () => (await client.SendAsync("even 1")).GetProperty("code").GetInt32() == 200,
                TimeSpan.FromSeconds(20), () => "still refused after the bucket had time to refill");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        }
    }

    private static string RateLimitedConfig()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sb-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var hocon = Path.Combine(Path.GetDirectoryName(Binaries.Server)!, "hocon");
        File.Copy(Path.Combine(hocon, "shared.hocon"), Path.Combine(dir, "shared.hocon"));
        File.WriteAllText(Path.Combine(dir, "server.hocon"),
            // 1 a second: ten requests one after another reach the limit unless they took ~5 s (at 5 a second, round
            // trips of 200 ms on a loaded box would have kept within it, and no 429 came).
            File.ReadAllText(Path.Combine(hocon, "server.hocon")) + "\nswitchboard.rate-limit { per-second = 1, burst = 5 }\n");
        return Path.Combine(dir, "server.hocon");
    }
}
