using System.Diagnostics;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester hA (2026-12-07), partly fixed: a request naming a conversation that is not in memory
/// (a join's replay, a `history` query, a `markread`, a room message) has the node read the whole conversation back from
/// the store (up to max-bytes of text) and let the least recently used one go. The store holds the history of 1,024
/// rooms (kept-rooms) and 1,024 DM conversations with guests, memory 512 (max-live): a peer that made 640 full rooms and
/// joins and leaves them in turn makes every join a read-back. Measured on a 2-core box (Debug build): ~3.2 ms of server
/// CPU a join against 0.3 ms with max-live = 4096 (every room in memory) and 0.02 ms for a `calc`; four guest names of
/// one peer kept a core busy, 64 of them had another client's `say #club` answered in up to 2.9 s (from 2 ms) and the
/// node grew 358 to 716 MB. Sessions bound their own waiting reads (SessionHistory.MaxAsked), nothing bounded the node's:
/// now history.max-reading (1) are read back at once, in turn by requester (HistoryActorSpecs); the flood still keeps
/// that one read-back busy (a core here: 8 names, another client's say within 125 ms), and 64 names still slowed others
/// for seconds at the start (their joins' replays and pushes). Now each host's clients have a budget of read-backs
/// (history.read-backs-per-host-*, HostileReadBackBudgetSpecs): past it 429 with a retry-after, a join replayed from
/// the node's memory; the first spec here checks it end to end, the probe prints the latencies.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileJoinReadBackSpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-readback-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The bound end to end: the session charges a read-back to the host the transport saw (loopback here, every loopback
    // address being the machine), and its client hears 429 with a retry-after for a query, a join done all the same
    // with what the node remembers. max-live = 1: every conversation asked for is a read-back.
    [Fact]
    public async Task A_peers_read_backs_past_its_hosts_budget_are_answered_429_with_a_wait()
    {
        var config = Path.Combine(_dir, "server.hocon");
        File.WriteAllText(config, "switchboard.history { max-live = 1, read-backs-per-host-per-second = 0.01, read-backs-per-host-burst = 3 }\n");
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data"), "--config", config]);
        using var mallory = new HostilePeer();
        var session = Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("m0"))).Session;
        var replies = new List<Reply>();
        async Task<Reply> Ask(object message, long id)
        {
            session.Tell(message, mallory.Inbox.Receiver);
            while (true)
                if (await mallory.Inbox.ReceiveAsync(Wait) is Reply r && r.Id == id) return r;
        }
        for (var i = 1; i <= 4; i++) replies.Add(await Ask(new JoinRoom(i, $"#r{i}"), i));
        var query = await Ask(new HistoryQuery(5, "#r1", HistoryAnchor.Latest, 0, 10), 5);
        // Three read back (the burst), the fourth join replayed from memory and said so, the query refused with a wait.
        Assert.All(replies, r => Assert.Equal(200, r.Code));
        Assert.Equal(["joined #r1", "joined #r2", "joined #r3"], replies.Take(3).Select(r => r.Value.ToString()));
        Assert.Contains("replayed from this node's memory", replies[3].Value.ToString());
        Assert.Equal(429, query.Code);
        Assert.InRange(query.RetryAfterMs, 1, 100_000);
        Assert.Contains("read back from the history store for your host", query.Error);
    }

    [Fact(Skip = "hostile probe, partly fixed (security.md): prints another client's latencies while guests join and leave more full rooms than max-live; heavy, run by hand")]
    public async Task Guests_joining_and_leaving_more_full_rooms_than_memory_holds()
    {
        const int Rooms = 640, Lines = 32, Names = 64, Attackers = 4;
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        await using var bob = await server.ConnectAsync("bob");
        Assert.Equal(200, (await bob.SendAsync("join #club")).GetProperty("code").GetInt32());
        using var mallory = new HostilePeer();
        var sessions = new List<IActorRef>();
        for (var i = 0; i < Names; i++)
            if (await mallory.RegisterAsync(server, new Register($"m{i}")) is Registered r) sessions.Add(r.Session);
        var id = 0L;
        var text = new string('x', 4000);
        // Each room written full (32 lines of 4,000 characters: max-bytes), one round of names at a time.
        for (var k = 0; k < Rooms; k++)
        {
            var s = sessions[k % sessions.Count];
            s.Tell(new JoinRoom(++id, $"#h{k}"), mallory.Inbox.Receiver);
            for (var j = 0; j < Lines; j++) s.Tell(new Say(++id, $"#h{k}", text), mallory.Inbox.Receiver);
            s.Tell(new LeaveRoom(++id, $"#h{k}"), mallory.Inbox.Receiver);
            if (k % sessions.Count != sessions.Count - 1) continue;
            for (var got = 0; got < sessions.Count * (Lines + 2);)
                if (await mallory.Inbox.ReceiveAsync(Wait) is IReply) got++;
        }
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            var k = 0;
            while (!stop.IsCancellationRequested)
            {
                foreach (var s in sessions.Take(Attackers))
                    for (var b = 0; b < 10; b++)
                    {
                        var room = $"#h{k++ % Rooms}";
                        s.Tell(new JoinRoom(++id, room), mallory.Inbox.Receiver);
                        s.Tell(new LeaveRoom(++id, room), mallory.Inbox.Receiver);
                    }
                await Task.Delay(100);
                mallory.Drain(TimeSpan.FromMilliseconds(1));
            }
        });
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var took = Stopwatch.StartNew();
                var reply = await bob.SendAsync($"say #club hi {i}", Wait);
                output.WriteLine($"say {i}: {reply.GetProperty("code")} in {took.ElapsedMilliseconds} ms");
                await Task.Delay(250);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await flood;
        }
    }
}
