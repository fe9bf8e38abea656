using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// A peer that asks for answers and reads none of them: the server does not queue them without bound (a hostile tester
/// grew a server by 1.5 GB in 9 s with history pages to 24 names over one stalled connection).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class UnreadPeerSpecs
{
    [Fact]
    public async Task A_peer_that_reads_nothing_it_asked_for_loses_its_association_before_the_server_queues_much()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("sb-unread-").FullName, "limit.hocon");
        // The room's lines are kept before they are answered: on a loaded box a write may take longer than the 5 s after
        // which the session answers 503, and the spec is about unsent bytes, not a slow store, so the session waits longer.
        await File.WriteAllTextAsync(config, "switchboard.max-unsent-bytes = 1 MiB\nswitchboard.history.timeout = 60s\n");
        await using var server = await ServerNode.StartAsync(extra: ["--config", config]);
        var (relay, peer) = HostilePeer.On("127.0.0.1", server);
        using var _ = relay;
        using var __ = peer;
        var session = Assert.IsType<Registered>(await peer.RegisterAsync(server, new Register("staller"))).Session;
        session.Tell(new JoinRoom(1, "#big"), peer.Inbox.Receiver);
        for (var i = 0; i < 16; i++) session.Tell(new Say(10 + i, "#big", new string('x', 4000) + i), peer.Inbox.Receiver);
        for (var replies = 0; replies < 17;)
            if (await peer.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled()) is Reply r)
            {
                Assert.True(r.Code == Codes.Ok, $"{r}"); // any other answer never becomes the 200 waited for here
                replies++;
            }

        relay.Stalled = true;
        // The relay reads nothing more from the server, so the peer never hears that the server closed: the server's log says.
        var closed = server.Process.WaitForStdErrAsync("has not taken in", TimeSpan.FromSeconds(60));
        long rss() => File.ReadAllLines($"/proc/{server.Process.Pid}/status").Where(l => l.StartsWith("VmRSS:"))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).Single();
        var before = rss();
        var most = before;
        // Each query is answered with a page of ~64 KB; at 150 a second (under the rate limit) for as long as it takes.
        for (long id = 100; !closed.IsCompleted; id += 15)
        {
            for (var i = 0; i < 15; i++) session.Tell(new HistoryQuery(id + i, "#big", HistoryAnchor.Latest, 0, 100), peer.Inbox.Receiver);
            most = Math.Max(most, rss());
            await Task.WhenAny(closed, Task.Delay(100));
        }
        await closed;
        Assert.Contains("switchboard.max-unsent-bytes", server.Process.StdErr);
        // Well under what the unlimited queue reached (hundreds of MB a few seconds in), whatever the box's speed.
        Assert.InRange((most - before) / 1024, 0, 150);
    }
}
