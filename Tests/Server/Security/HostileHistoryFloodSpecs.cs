using System.Diagnostics;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-06, hB): a reserved name may ask <c>history NAME</c> of any name, and each conversation not in
/// memory has the node's one history actor start it and read it back from the file. Eight names one host reserved (it
/// may reserve ten at once), each asking of fresh names within its own rate limit (200 a second), kept the store so
/// busy that another client's room messages waited 5 s and were answered 503 "history store unavailable". Now a session
/// has at most <see cref="SessionHistory.MaxAsked"/> store reads waiting (queries, markers, replays): past it a query is
/// answered 429 at once, and the others are served.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileHistoryFloodSpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-flood-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Reserved_names_asking_history_of_fresh_names_do_not_keep_others_messages_from_the_store()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        await using var bob = await server.ConnectAsync("bob");
        Assert.Equal(200, (await bob.SendAsync("join #club")).GetProperty("code").GetInt32());
        using var mallory = new HostilePeer();
        var sessions = await mallory.ReserveAsync(server, "m", 8, "mallorys-password-1", Wait);
        Assert.Equal(8, sessions.Count);
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            long id = 100;
            while (!stop.IsCancellationRequested)
            {
                foreach (var s in sessions)
                    for (var k = 0; k < 40; k++)
                        s.Tell(new HistoryQuery(++id, $"x{id}", HistoryAnchor.Latest, 0, 100), mallory.Inbox.Receiver);
                await Task.Delay(200);
                mallory.Drain(TimeSpan.FromMilliseconds(1));
            }
        });
        var codes = new List<int>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var took = Stopwatch.StartNew();
                var reply = await bob.SendAsync($"say #club hi {i}", Wait);
                codes.Add(reply.GetProperty("code").GetInt32());
                output.WriteLine($"say {i}: {reply.GetProperty("code")} in {took.ElapsedMilliseconds} ms");
                await Task.Delay(500);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await flood;
        }
        Assert.All(codes, c => Assert.Equal(200, c));
    }
}
