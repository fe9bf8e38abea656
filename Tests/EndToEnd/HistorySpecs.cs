using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// History and offline delivery (issue 21) as people meet them: real server and client processes on 127.0.0.1, the
/// server's data in a temporary --data directory, passwords in 0600 files. The facts about restarts (Ctrl-C and kill -9)
/// have their own directory; the others share one server (<see cref="SharedServer"/>), each with its own names and room.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HistorySpecs(HistorySpecs.SharedServer shared) : IClassFixture<HistorySpecs.SharedServer>, IDisposable
{
    private const string AlicePassword = "down-the-rabbit-hole-42";
    // A process's exit (or a tool's whole run): a .NET start and an actor system's shutdown, seconds on a loaded box.
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhistory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "data");

    [Fact]
    public async Task After_a_graceful_restart_the_room_and_the_direct_messages_are_all_there_in_order_with_ids_from_1()
    {
        var password = Secret(_dir, AlicePassword);
        List<Line> lobby = [], direct = [];
        await using (var first = await ServerNode.StartAsync(extra: ["--data", Data]))
        {
            await using var alice = await first.ConnectAsync("alice", "--password-file", password);
            Assert.Equal("reserved", Result(await alice.SendAsync("reserve")));
            Assert.Equal("joined #lobby", Result(await alice.SendAsync("join #lobby")));
            await using var bob = await first.ConnectAsync("bob");
            Assert.Equal("joined #lobby", Result(await bob.SendAsync("join #lobby")));

            Assert.Equal("sent to #lobby", Result(await bob.SendAsync("say #lobby hi alice")));
            Assert.Equal("delivered", Result(await bob.SendAsync("tell alice psst, are you there?")));
            Assert.Equal("sent to #lobby", Result(await bob.SendAsync("say #lobby anyone else here?")));
            // Live, each message carries its id in its conversation and its server time (the room's and the DM's
            // pushes may interleave either way: they take different paths).
            var seen = new[] { await NextMessageAsync(alice), await NextMessageAsync(alice), await NextMessageAsync(alice) };
            lobby.AddRange(seen.Where(m => !m.GetProperty("direct").GetBoolean()).Select(Line.Of));
            direct.AddRange(seen.Where(m => m.GetProperty("direct").GetBoolean()).Select(Line.Of));
            Assert.Equal([new(1, "bob", "hi alice", lobby[0].Time), new(2, "bob", "anyone else here?", lobby[1].Time)], lobby);
            Assert.Equal([new Line(1, "bob", "psst, are you there?", direct[0].Time)], direct);

            Assert.Equal("sent to #lobby", Result(await alice.SendAsync("say #lobby hi bob")));
            Assert.Equal("delivered", Result(await alice.SendAsync("tell bob here I am")));
            // As for alice above, the room's push and the DM's may reach bob in either order.
            var toBob = new[] { await NextMessageAsync(bob), await NextMessageAsync(bob) };
            lobby.Add(Line.Of(toBob.Single(m => !m.GetProperty("direct").GetBoolean())));
            // bob is a guest: alice's DM to him went out first and was kept once delivered, so it reached him without an
            // id (a guest reads no DM history); alice's history has it as message 2.
            var toGuest = toBob.Single(m => m.GetProperty("direct").GetBoolean());
            Assert.Equal(("alice", "here I am", false), (toGuest.GetProperty("from").GetString(), toGuest.GetProperty("text").GetString(), toGuest.TryGetProperty("id", out _)));
            Assert.Equal(new Line(3, "alice", "hi bob", lobby[2].Time), lobby[2]);

            // Ctrl-C, as a person stops it, with both still connected.
            first.Process.Signal(Posix.SIGINT);
            Assert.Equal(0, await first.Process.WaitForExitAsync(Exit));
        }

        await using var second = await ServerNode.StartAsync(extra: ["--data", Data]);
        await using var back = await second.ConnectAsync("alice", "--password-file", password);
        Assert.Equal(200, back.Registration.GetProperty("code").GetInt32());
        // Joining replays the room from the store before "joined".
        var (replayed, joined) = await UntilReplyAsync(back, "join #lobby");
        Assert.Equal("joined #lobby", Result(joined));
        Assert.Equal(lobby, replayed.Select(Line.Of));
        Assert.All(replayed, m => Assert.True(m.GetProperty("replay").GetBoolean()));
        Assert.All(replayed, m => Assert.Equal("#lobby", m.GetProperty("room").GetString()));

        var room = await back.SendAsync("history #lobby");
        Assert.Equal(("#lobby", 0L, 3L), Page(room));
        Assert.Equal(lobby, Messages(room));
        var dms = await back.SendAsync("history bob");
        Assert.Equal(("bob", 0L, 2L), Page(dms));
        var kept = Messages(dms).ToList();
        Assert.Equal(direct, kept.Take(1));
        Assert.Equal((2L, "alice", "here I am"), (kept[1].Id, kept[1].From, kept[1].Text));
    }

    [Fact]
    public async Task Direct_messages_stored_for_her_while_away_survive_kill_9_and_reach_her_once_at_her_next_login()
    {
        var password = Secret(_dir, AlicePassword);
        string[] texts = ["are you there?", "call me when you are back", "it is about the tea party"];
        await using (var first = await ServerNode.StartAsync(extra: ["--data", Data]))
        {
            await LeaveAsync(await first.ConnectAsync("alice", "--password-file", password), "reserve", "reserved");
            await using var bob = await first.ConnectAsync("bob");
            Assert.Equal("joined #tea", Result(await bob.SendAsync("join #tea")));
            Assert.Equal("sent to #tea", Result(await bob.SendAsync("say #tea is anyone here?")));
            foreach (var text in texts)
            {
                var stored = await bob.SendAsync($"tell alice {text}");
                Assert.Equal((202, "stored: alice is offline, delivered when they return"), (Code(stored), Result(stored)));
            }
            // Right after the last "stored": nothing gets a chance to flush or shut down.
            first.Process.Signal(Posix.SIGKILL);
            await first.Process.WaitForExitAsync(Exit);
        }

        await using var second = await ServerNode.StartAsync(extra: ["--data", Data]);
        await RefusedAsync(second, "alice"); // a wrong password is refused alike (AccountSpecs)
        await using (var alice = await second.ConnectAsync("alice", "--password-file", password))
        {
            Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
            var away = await NextEventAsync(alice);
            Assert.Equal(("away", 3), (away.GetProperty("event").GetString(), away.GetProperty("arrived").GetInt32()));
            Assert.Empty(away.GetProperty("unread").EnumerateArray());
            for (var i = 0; i < texts.Length; i++)
            {
                var m = await NextEventAsync(alice);
                Assert.Equal(("message", i + 1L, "bob", texts[i]), (m.GetProperty("event").GetString(), m.GetProperty("id").GetInt64(),
                    m.GetProperty("from").GetString(), m.GetProperty("text").GetString()));
                Assert.True(m.GetProperty("direct").GetBoolean() && m.GetProperty("offline").GetBoolean(), m.ToString());
                Assert.True(m.TryGetProperty("time", out _), m.ToString());
            }
            // The room message acknowledged before the kill is there too.
            var (replayed, joined) = await UntilReplyAsync(alice, "join #tea");
            Assert.Equal("joined #tea", Result(joined));
            Assert.Equal([(1L, "bob", "is anyone here?")], replayed.Select(Line.Of).Select(l => (l.Id, l.From, l.Text)));
            await LeaveAsync(alice, "markread bob 3", "read up to 3");
        }

        // One more while she is away again: her next login gets that one, with the unread count past her marker, and
        // not the three she already had.
        await using (var bob = await second.ConnectAsync("bob"))
            Assert.Equal(202, Code(await bob.SendAsync("tell alice one more thing")));
        await using var again = await second.ConnectAsync("alice", "--password-file", password);
        var awayAgain = await NextEventAsync(again);
        Assert.Equal(("away", 1), (awayAgain.GetProperty("event").GetString(), awayAgain.GetProperty("arrived").GetInt32()));
        var unread = Assert.Single(awayAgain.GetProperty("unread").EnumerateArray());
        Assert.Equal(("bob", 1), (unread.GetProperty("conversation").GetString(), unread.GetProperty("count").GetInt32()));
        var latest = await NextEventAsync(again);
        Assert.Equal((4L, "one more thing", true), (latest.GetProperty("id").GetInt64(), latest.GetProperty("text").GetString(), latest.GetProperty("offline").GetBoolean()));
        // What arrived while away is pushed in one go: anything more would come before this reply.
        var (more, history) = await UntilReplyAsync(again, "history bob");
        Assert.Empty(more);
        Assert.Equal([1L, 2, 3, 4], Messages(history).Select(l => l.Id));
    }

    // A script that checks in (`printf 'calc 1 + 1\n' | ActorClient fran`) sends its request at once and exits on the
    // answer: what waited for her comes before that answer, and once she has taken it in it is not pushed again.
    [Fact]
    public async Task A_login_that_asks_something_at_once_and_exits_gets_what_waited_for_her_first_and_only_once()
    {
        var server = await shared.StartAsync();
        var password = Secret(shared.Dir, "fran-password");
        await LeaveAsync(await server.ConnectAsync("fran", "--password-file", password), "reserve", "reserved");
        await using (var gus = await server.ConnectAsync("gus"))
            Assert.Equal(202, Code(await gus.SendAsync("tell fran checking in")));

        await using (var fran = await server.ConnectAsync("fran", "--password-file", password))
        {
            await fran.Process.WriteLineAsync("calc 1 + 1");
            var away = await NextEventAsync(fran);
            Assert.Equal(("away", 1), (away.GetProperty("event").GetString(), away.GetProperty("arrived").GetInt32()));
            var waited = await NextEventAsync(fran);
            Assert.Equal(("checking in", true), (waited.GetProperty("text").GetString(), waited.GetProperty("offline").GetBoolean()));
            var answer = await NextEventAsync(fran);
            Assert.Equal((200, 2L), (Code(answer), answer.GetProperty("result").GetInt64()));
            fran.Process.CloseInput();
            Assert.Equal(0, await fran.Process.WaitForExitAsync(Exit));
        }
        await using var again = await server.ConnectAsync("fran", "--password-file", password);
        var (pushed, reply) = await UntilReplyAsync(again, "calc 2 + 2");
        Assert.Empty(pushed);
        Assert.Equal(4L, reply.GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task Direct_messages_between_guests_stay_online_only_and_a_guest_reads_no_direct_history()
    {
        var server = await shared.StartAsync();
        await using var carol = await server.ConnectAsync("carol");
        await using var dave = await server.ConnectAsync("dave", "--password-file", Secret(shared.Dir, "dave-password"));
        Assert.Equal(404, Code(await carol.SendAsync("tell erin are you there?")));
        Assert.Equal("delivered", Result(await carol.SendAsync("tell dave between us guests")));
        var live = await NextMessageAsync(dave);
        Assert.Equal("between us guests", live.GetProperty("text").GetString());
        Assert.False(live.TryGetProperty("id", out _), live.ToString()); // not kept, so it has no id
        foreach (var (guest, other) in new[] { (carol, "dave"), (dave, "carol") })
            AssertRefused(403, "only reserved names keep direct-message history: reserve your name first", await guest.SendAsync($"history {other}"));

        // Once they reserve, their conversations with carol are readable, and hold nothing from before: neither the
        // DM that was answered 404 nor the one delivered between guests was kept.
        await using var erin = await server.ConnectAsync("erin", "--password-file", Secret(shared.Dir, "erin-password"));
        foreach (var owner in new[] { erin, dave })
        {
            Assert.Equal("reserved", Result(await owner.SendAsync("reserve")));
            var page = await owner.SendAsync("history carol");
            Assert.Equal(("carol", 0L, 0L), Page(page));
            Assert.Empty(Messages(page));
        }
        // From then on a DM to dave is kept (he is reserved), still not readable by carol.
        Assert.Equal("delivered", Result(await carol.SendAsync("tell dave now it is kept")));
        Assert.Equal(1, (await NextMessageAsync(dave)).GetProperty("id").GetInt64());
        Assert.Equal([new Line(1, "carol", "now it is kept", "")], Messages(await dave.SendAsync("history carol")).Select(l => l with { Time = "" }));
        AssertRefused(403, "only reserved names keep direct-message history: reserve your name first", await carol.SendAsync("history dave"));
        // join takes a room without its '#', history reads a bare name as a person's: a room of that name one is in is named.
        Assert.Equal("joined #games", Result(await carol.SendAsync("join games")));
        AssertRefused(403, "only reserved names keep direct-message history: reserve your name first (did you mean #games?)", await carol.SendAsync("history games"));
    }

    [Fact]
    public async Task Bad_history_and_markread_requests_are_refused_and_a_large_count_is_clamped_to_100()
    {
        var server = await shared.StartAsync();
        await using var rita = await server.ConnectAsync("rita", "--password-file", Secret(shared.Dir, "rita-password"));
        Assert.Equal("reserved", Result(await rita.SendAsync("reserve")));
        AssertRefused(403, "join #lounge first: only a room's members read its history", await rita.SendAsync("history #lounge"));
        Assert.Equal("joined #lounge", Result(await rita.SendAsync("join #lounge")));
        AssertRefused(422, "the count is a whole number from 1", await rita.SendAsync("history #lounge 0"));
        AssertRefused(422, "a message id is a whole number from 1", await rita.SendAsync("history #lounge before 0"));
        // The client refuses a message id that is not a number: the server never sees it (no sequence numbers).
        var local = await rita.SendAsync("history bob before abc");
        AssertRefused(422, "the message id 'abc' is not a whole number", local);
        Assert.False(local.TryGetProperty("clientSeq", out _), local.ToString());

        const int Posted = 105;
        for (var i = 1; i <= Posted; i++) Assert.Equal("sent to #lounge", Result(await rita.SendAsync($"say #lounge line {i}")));
        var page = await rita.SendAsync("history #lounge 100000");
        Assert.Equal(("#lounge", 0L, (long)Posted), Page(page));
        Assert.Equal(Enumerable.Range(Posted - 99, 100).Select(i => ((long)i, $"line {i}")), Messages(page).Select(l => (l.Id, l.Text)));

        AssertRefused(422, $"there is no message {Posted + 1} yet (the newest is {Posted})", await rita.SendAsync($"markread #lounge {Posted + 1}"));
        Assert.Equal($"read up to {Posted}", Result(await rita.SendAsync($"markread #lounge {Posted}")));

        // Not "gus", whom another fact on this shared server kills at its end: his name is held until the server has
        // noticed, and whichever fact ran second could be refused 409.
        await using var hal = await server.ConnectAsync("hal");
        Assert.Equal("joined #lounge", Result(await hal.SendAsync("join #lounge")));
        AssertRefused(403, "only reserved names keep read markers: reserve your name first", await hal.SendAsync("markread #lounge 1"));
    }

    /// <summary>One server with its own data directory for the facts that need no restart, started at first use.</summary>
    public sealed class SharedServer : IAsyncLifetime
    {
        private readonly Lazy<Task<ServerNode>> _server;

        public SharedServer() => _server = new(() => ServerNode.StartAsync(extra: ["--data", Path.Combine(Dir, "data")]));

        public string Dir { get; } = Directory.CreateTempSubdirectory("sbhistory-shared-").FullName;

        public Task<ServerNode> StartAsync() => _server.Value;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            try
            {
                if (_server.IsValueCreated) await (await _server.Value).DisposeAsync();
            }
            finally
            {
                Directory.Delete(Dir, recursive: true);
            }
        }
    }

    /// <summary>A kept message as a client shows it (live, replayed, offline or in a history page).</summary>
    internal sealed record Line(long Id, string From, string Text, string Time)
    {
        public static Line Of(JsonElement m) =>
            new(m.GetProperty("id").GetInt64(), m.GetProperty("from").GetString()!, m.GetProperty("text").GetString()!, m.GetProperty("time").GetString()!);
    }

    internal static string Secret(string dir, string text)
    {
        var path = Path.Combine(dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    internal static int Code(JsonElement reply) => reply.GetProperty("code").GetInt32();

    internal static string? Result(JsonElement reply) =>
        reply.TryGetProperty("result", out var r) ? r.GetString() : $"no result: {reply}";

    [Fact]
    public async Task A_node_that_does_not_keep_the_history_names_the_one_that_does()
    {
        var segment = ServerNode.NewSegmentName();
        await using var keeper = await ServerNode.StartAsync(segment, 0, "--data", Data);
        await using var other = await ServerNode.StartAsync(segment, 0, "--data", Data);
        await using var sam = await other.ConnectAsync("sam");
        Assert.Equal(200, Code(await sam.SendAsync("join #lobby")));
        AssertRefused(503, $"history is kept by another node sharing this data directory, {keeper.Address}: ask there (this node takes it over if that one stops)",
            await sam.SendAsync("history #lobby"));
    }

    [Fact]
    public async Task A_dm_to_an_offline_reserved_name_through_a_node_that_does_not_keep_the_history_says_why_it_was_not_stored()
    {
        var segment = ServerNode.NewSegmentName();
        await using var keeper = await ServerNode.StartAsync(segment, 0, "--data", Data);
        await using var other = await ServerNode.StartAsync(segment, 0, "--data", Data);
        await LeaveAsync(await keeper.ConnectAsync("alice", "--password-file", Secret(_dir, AlicePassword)), "reserve", "reserved");
        await using var sam = await other.ConnectAsync("sam");
        // On the keeper it would have been held (202); "alice is not online" alone reads as if nothing could be done.
        AssertRefused(404, "alice is not online (messages for the offline are kept only on the node that keeps the history)",
            await sam.SendAsync("tell alice hi"));
    }

    private static void AssertRefused(int code, string error, JsonElement reply) =>
        Assert.Equal((code, error), (Code(reply), reply.TryGetProperty("error", out var e) ? e.GetString() : $"no error: {reply}"));

    private static (string Conversation, long Trimmed, long LastId) Page(JsonElement reply)
    {
        Assert.Equal(200, Code(reply));
        return (reply.GetProperty("conversation").GetString()!, reply.GetProperty("trimmed").GetInt64(), reply.GetProperty("lastId").GetInt64());
    }

    internal static Line[] Messages(JsonElement reply) => [.. reply.GetProperty("messages").EnumerateArray().Select(Line.Of)];

    private static Task<JsonElement> NextMessageAsync(ClientSession c) => MessagingSpecs.NextMessageAsync(c);

    // Presence notices come whenever others come and go; what is specified here are messages and the away line.
    internal static bool IsPresence(string line) =>
        line.StartsWith("{\"event\":\"joined\"") || line.StartsWith("{\"event\":\"left\"") || line.StartsWith("{\"event\":\"presence\"");

    internal static async Task<JsonElement> NextEventAsync(ClientSession c, TimeSpan? within = null) =>
        JsonDocument.Parse(await c.Process.WaitForLineAsync(l => !IsPresence(l), within ?? TimeSpan.FromSeconds(30))).RootElement;

    /// <summary>Sends <paramref name="command"/>; the message events pushed before its reply, and the reply.</summary>
    internal static async Task<(JsonElement[] Messages, JsonElement Reply)> UntilReplyAsync(ClientSession c, string command)
    {
        await c.Process.WriteLineAsync(command);
        var messages = new List<JsonElement>();
        while (true)
        {
            var line = JsonDocument.Parse(await c.Process.WaitForLineAsync(l => !IsPresence(l), TimeSpan.FromSeconds(30))).RootElement;
            if (!line.TryGetProperty("event", out _)) return ([.. messages], line);
            messages.Add(line);
        }
    }

    /// <summary>A last command, then end of input: the client unregisters (the name is offline once it has exited 0).</summary>
    internal static async Task LeaveAsync(ClientSession client, string command, string result, TimeSpan? within = null)
    {
        await using (client)
        {
            Assert.Equal(result, Result(await client.SendAsync(command, within)));
            client.Process.CloseInput();
            Assert.Equal(0, await client.Process.WaitForExitAsync(Exit));
        }
    }

    private static async Task RefusedAsync(ServerNode server, string name)
    {
        await using var client = await server.ConnectAsync(name);
        Assert.Equal(403, Code(client.Registration));
        Assert.Equal(3, await client.Process.WaitForExitAsync(Exit));
    }
}
