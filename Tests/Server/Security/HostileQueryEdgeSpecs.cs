using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-06): history queries a raw peer writes with every edge of their numbers (anchors past the
/// enum, counts and ids at the ends of their types) are answered 200 or 422, nothing more than the cap, and the node
/// serves on.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class HostileQueryEdgeSpecs : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-edges-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Queries_at_the_ends_of_their_numbers_are_answered_200_or_422()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        using var peer = new HostilePeer();
        var session = Assert.IsType<Registered>(await peer.RegisterAsync(server, new Register("edgy"))).Session;
        session.Tell(new JoinRoom(1, "#edge"), peer.Inbox.Receiver);
        for (var i = 0; i < 3; i++) session.Tell(new Say(2 + i, "#edge", $"line {i}"), peer.Inbox.Receiver);
        // The join's replay is a store read of the session's too: its answer first.
        for (var answered = 0; answered < 4;)
            if (await peer.Inbox.ReceiveAsync(Wait.Scaled()) is Reply) answered++;
        var anchors = new[] { HistoryAnchor.Latest, HistoryAnchor.Before, HistoryAnchor.After, HistoryAnchor.Around, (HistoryAnchor)99, (HistoryAnchor)(-1) };
        var ats = new[] { long.MinValue, -1L, 0L, 1L, 2L, 3L, 4L, long.MaxValue - 1, long.MaxValue };
        var counts = new[] { int.MinValue, -1, 0, 1, 100, 101, int.MaxValue };
        var id = 100L;
        var codes = new Dictionary<int, int>();
        var asked = new HashSet<long>();
        // A session has at most SessionHistory.MaxAsked store reads waiting (past it, 429): a window of them at a time.
        foreach (var a in anchors)
            foreach (var at in ats)
                foreach (var c in counts)
                {
                    session.Tell(new HistoryQuery(++id, "#edge", a, at, c), peer.Inbox.Receiver);
                    asked.Add(id);
                    if (asked.Count == SessionHistory.MaxAsked) await AnswersAsync(peer, asked, codes);
                }
        await AnswersAsync(peer, asked, codes);
        Assert.Equal([200, 422], codes.Keys.Order());
        await using var after = await server.ConnectAsync("after");
        Assert.Equal(Codes.Ok, after.Registration.GetProperty("code").GetInt32());
    }

    private static async Task AnswersAsync(HostilePeer peer, HashSet<long> asked, Dictionary<int, int> codes)
    {
        while (asked.Count > 0)
        {
            var m = await peer.Inbox.ReceiveAsync(Wait.Scaled());
            if (m is HistoryReply h && asked.Remove(h.Id))
            {
                codes[h.Code] = codes.GetValueOrDefault(h.Code) + 1;
                Assert.True(h.Messages.Length <= 3, $"{h.Messages.Length} lines");
                Assert.All(h.Messages, l => Assert.InRange(l.Id, 1, 3));
            }
            else if (m is Reply r && asked.Remove(r.Id)) codes[r.Code] = codes.GetValueOrDefault(r.Code) + 1;
        }
    }
}
