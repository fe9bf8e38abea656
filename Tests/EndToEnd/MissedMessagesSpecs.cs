using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// A client that drops and reconnects gets what it missed (issue 21): real server and client processes, the server's
/// history in a --data directory that outlives a kill -9, retention small enough to trim while the client is away.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MissedMessagesSpecs : IDisposable
{
    private static readonly TimeSpan Back = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbmissed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task After_a_reconnect_the_client_rejoins_its_room_shows_each_missed_message_once_and_says_how_many_were_trimmed()
    {
        var segment = ServerNode.NewSegmentName();
        var port = FreePorts.Next();
        var data = Path.Combine(_dir, "data");
        var config = Path.Combine(_dir, "server.hocon");
        File.WriteAllText(config, "switchboard.history.max-messages = 3\n");
        var password = Path.Combine(_dir, "alice-password");
        File.WriteAllText(password, "down-the-rabbit-hole-42\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string[] server = ["--data", data, "--config", config];

        await using var first = await ServerNode.StartAsync(segment, port, server);
        await using var alice = await first.ConnectAsync("alice", "--password-file", password);
        try
        {
            Assert.Equal("reserved", Result(await alice.SendAsync("reserve")));
            Assert.Equal("joined #games", Result(await alice.SendAsync("join #games")));
            await using (var bob = await first.ConnectAsync("bob"))
            {
                Assert.Equal("joined #games", Result(await bob.SendAsync("join #games")));
                Assert.Equal("sent to #games", Result(await bob.SendAsync("say #games one")));
                Assert.Equal("delivered", Result(await bob.SendAsync("tell alice first dm")));
                // alice sees both live, with their ids (1 in each conversation).
                var seen = new[] { await MessagingSpecs.NextMessageAsync(alice), await MessagingSpecs.NextMessageAsync(alice) };
                Assert.All(seen, m => Assert.Equal(1, m.GetProperty("id").GetInt64()));
            }

            // alice's process is stopped while her server dies and comes back; the room goes on without her.
            alice.Process.Signal(Posix.SIGSTOP);
            first.Process.Signal(Posix.SIGKILL);
            await first.DisposeAsync();
            await using var second = await ServerNode.StartAsync(segment, port, server);
            await using var bob2 = await second.ConnectAsync("bob");
            Assert.Equal("joined #games", Result(await bob2.SendAsync("join #games")));
            // Five more: retention keeps three (4, 5, 6); 2 and 3 are trimmed before alice can read them.
            foreach (var word in new[] { "two", "three", "four", "five", "six" })
                Assert.Equal("sent to #games", Result(await bob2.SendAsync($"say #games {word}")));
            Assert.Equal(202, (await bob2.SendAsync("tell alice while you were away")).GetProperty("code").GetInt32());
            alice.Process.Signal(Posix.SIGCONT);

            await alice.Process.WaitForLineAsync(l => l.Contains("\"reconnected\""), Back);
            var after = new List<JsonElement>();
            while (true)
            {
                var line = JsonDocument.Parse(await alice.Process.WaitForLineAsync(l => l.StartsWith("{\"event\""), Back)).RootElement;
                after.Add(line);
                if (line.GetProperty("event").GetString() == "caught-up") break;
            }
            var messages = after.Where(e => e.GetProperty("event").GetString() == "message").ToArray();
            var room = messages.Where(m => m.TryGetProperty("room", out _)).ToArray();
            Assert.Equal([(4L, "four"), (5L, "five"), (6L, "six")], room.Select(m => (m.GetProperty("id").GetInt64(), m.GetProperty("text").GetString())).Order());
            Assert.All(room, m => Assert.True(m.TryGetProperty("missed", out var missed) && missed.GetBoolean(), m.ToString()));
            // The DM held while she was offline came once, at login, marked offline: the catch-up did not repeat it.
            var direct = Assert.Single(messages, m => m.GetProperty("direct").GetBoolean());
            Assert.Equal((2L, "while you were away", true), (direct.GetProperty("id").GetInt64(), direct.GetProperty("text").GetString(),
                direct.GetProperty("offline").GetBoolean()));
            var trimmed = Assert.Single(after, e => e.GetProperty("event").GetString() == "trimmed");
            Assert.Equal(("#games", 2L), (trimmed.GetProperty("conversation").GetString(), trimmed.GetProperty("count").GetInt64()));
            var caughtUp = after[^1];
            Assert.Equal((3L, 2L, "#games"), (caughtUp.GetProperty("missed").GetInt64(), caughtUp.GetProperty("trimmed").GetInt64(),
                caughtUp.GetProperty("rooms").EnumerateArray().Single().GetString()));

            // She is in the room again: live messages come as before, once, not marked.
            Assert.Equal("sent to #games", Result(await bob2.SendAsync("say #games seven")));
            var live = await MessagingSpecs.NextMessageAsync(alice);
            Assert.Equal((7L, false), (live.GetProperty("id").GetInt64(), live.TryGetProperty("missed", out _)));
            // Her marker, then the room's unread count in `rooms`.
            Assert.Equal("read up to 6", Result(await alice.SendAsync("markread #games 6")));
            var rooms = await alice.SendAsync("rooms");
            Assert.Equal(1, rooms.GetProperty("result").EnumerateArray().Single(r => r.GetProperty("room").GetString() == "#games").GetProperty("unread").GetInt64());
            Assert.Equal(1, alice.Process.StdOut.Split('\n').Count(l => l.Contains("\"text\":\"seven\"")));
        }
        finally
        {
            alice.Process.Signal(Posix.SIGCONT);
        }
    }

    private static string? Result(JsonElement reply) =>
        reply.TryGetProperty("result", out var r) ? r.GetString() : $"no result: {reply}";
}
