using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-06): <c>history.kept-rooms</c> (1024) bounds the rooms whose history the store holds by
/// dropping, whole and from the file, the room written least recently (guest-only ones first). Rooms cost nothing to
/// make, and a reserved name costs nothing either (10 a host at once), so one client writing one line in each of 1,030
/// fresh rooms (join, say, leave: ~3,000 requests, 13.5 s within its own rate limit) had the history of every quiet
/// room of the node deleted, its members' included. Now its new rooms drop its own (<c>ConversationLedger</c>;
/// <c>HostileRoomLedgerSpecs</c>).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileRoomHistorySpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-rooms-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Within the client's own rate limit: a 429 is sent again after the wait it names.
    private static async Task<int> AnswerAsync(HostilePeer peer, IActorRef session, object message, long id)
    {
        while (true)
        {
            session.Tell(message, peer.Inbox.Receiver);
            while (true)
                if (await peer.Inbox.ReceiveAsync(Wait.Scaled()) is IReply r && r.Id == id)
                {
                    if (r.Code != Codes.RateLimited || r is not Reply { RetryAfterMs: > 0 } limited) return r.Code;
                    await Task.Delay((int)limited.RetryAfterMs + 5);
                    break;
                }
        }
    }

    [Fact]
    public async Task One_client_writing_in_many_fresh_rooms_does_not_delete_other_rooms_history()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        var password = Path.Combine(_dir, "alice-password");
        File.WriteAllText(password, "down-the-rabbit-hole-42\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var alice = await server.ConnectAsync("alice", "--password-file", password);
        Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());
        Assert.Equal(200, (await alice.SendAsync("join #club")).GetProperty("code").GetInt32());
        Assert.Equal(200, (await alice.SendAsync("say #club the minutes of our last meeting")).GetProperty("code").GetInt32());

        using var mallory = new HostilePeer();
        var session = Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("mallory"))).Session;
        Assert.Equal(Codes.Ok, await AnswerAsync(mallory, session, new AccountCommand(1, AccountAction.Reserve, "mallorys-password"), 1));
        await AnswerAsync(mallory, session, new SetPresence(2, false), 2);
        var id = 10L;
        var started = DateTime.UtcNow;
        for (var i = 0; i < 1030; i++)
        {
            var room = $"#m{i}";
            Assert.Equal(Codes.Ok, await AnswerAsync(mallory, session, new JoinRoom(++id, room), id));
            Assert.Equal(Codes.Ok, await AnswerAsync(mallory, session, new Say(++id, room, "x"), id));
            await AnswerAsync(mallory, session, new LeaveRoom(++id, room), id);
        }
        output.WriteLine($"1,030 rooms written in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        var history = await alice.SendAsync("history #club");
        output.WriteLine("alice: " + history);
        Assert.Equal(1, history.GetProperty("messages").GetArrayLength());
    }
}
