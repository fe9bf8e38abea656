using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-06): what the store keeps of direct-message conversations, whatever peers do. A room's
/// history is bounded per room and in the number of rooms (<c>kept-rooms</c>); a DM conversation only per conversation
/// (<c>max-messages</c>, <c>max-bytes</c>), and every DM to a reserved name is written before anything else is checked
/// (online or not, its inbox full or not). Guest names cost nothing, so guests g1, g2, ... each writing their 256 KiB
/// of UTF-16 to one reserved name (anyone's: only its name is needed) make as many conversations as names, kept for
/// max-age (30 days): the file grew without bound (~2 MB/s from one peer). Now the direct conversations with a guest
/// party are bounded in number (<c>kept-guest-conversations</c>), as rooms are: past it the one written least recently
/// loses its history (<c>GuestConversationBoundSpecs</c> for the choice).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileDmStoreSpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-dm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Guests_writing_to_a_reserved_name_from_ever_new_names_do_not_grow_the_store_without_bound()
    {
        var data = Path.Combine(_dir, "data");
        var config = Path.Combine(_dir, "server.hocon");
        const int Bound = 50;
        File.WriteAllText(config, $"switchboard.history.kept-guest-conversations = {Bound}\n");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data, "--config", config]);
        var password = Path.Combine(_dir, "alice-password");
        File.WriteAllText(password, "down-the-rabbit-hole-42\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var alice = await server.ConnectAsync("alice", "--password-file", password))
            Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());
        // alice is offline now: every DM to her is kept (and held, up to the inbox's shares; past them 503, kept all the same).

        using var peer = new HostilePeer();
        var gateway = peer.At($"switchboard@{server.Address}", "/user/gateway");
        var text = new string('x', 4000);
        var codes = new Dictionary<int, int>();
        const int Rounds = 3, GuestsPerRound = 40, PerGuest = 4;
        for (var round = 0; round < Rounds; round++)
        {
            var guests = Enumerable.Range(0, GuestsPerRound)
                .Select(i => peer.System.ActorOf(Props.Create(() => new Guest(gateway, $"g{round}x{i}", "alice", text, PerGuest)))).ToList();
            foreach (var g in guests)
                foreach (var (code, n) in await g.Ask<Dictionary<int, int>>(Guest.Done.Instance, Wait))
                    codes[code] = codes.GetValueOrDefault(code) + n;
            foreach (var g in guests) g.Tell(Guest.Leave.Instance);
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // the per-host registration rate: 20/s
        }
        output.WriteLine("codes: " + string.Join(", ", codes.Select(c => $"{c.Key}x{c.Value}")));
        var file = Path.Combine(data, "switchboard.db");
        long Conversations() => Scalar(file, "SELECT COUNT(DISTINCT persistence_id) FROM event_journal WHERE persistence_id LIKE 'conversation-@%'");
        // Dropping a conversation deletes its rows after its pending writes: the file holds the bound once they are done.
        await Eventually.HoldsAsync(() => Conversations() <= Bound, Wait, () => $"{Rounds * GuestsPerRound} guest names, {Conversations()} kept conversations");
        var payload = Scalar(file, "SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM event_journal WHERE persistence_id LIKE 'conversation-@%'");
        output.WriteLine($"DM conversations in the file: {Conversations()}, payload {payload / 1024} KB; file {DirBytes(data) / 1024 / 1024} MB");
    }

    // Hostile probe: many guest names of one peer, each within its own rate, DM one online reserved name at once: does
    // her friend still reach her, or does her unacknowledged window (256) answer him 429 too?
    [Fact(Skip = "hostile probe, held: 40 guests x 150 DMs all delivered (200x6000) and bob's 10 DMs to alice all 200; heavy, run by hand")]
    public async Task Many_guests_flooding_one_online_name_do_not_keep_her_friends_out()
    {
        var data = Path.Combine(_dir, "data");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data]);
        var password = Path.Combine(_dir, "alice-password");
        File.WriteAllText(password, "down-the-rabbit-hole-42\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var alice = await server.ConnectAsync("alice", "--password-file", password);
        Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());
        await using var bob = await server.ConnectAsync("bob");

        using var peer = new HostilePeer();
        var gateway = peer.At($"switchboard@{server.Address}", "/user/gateway");
        var guests = Enumerable.Range(0, 40)
            .Select(i => peer.System.ActorOf(Props.Create(() => new Guest(gateway, $"f{i}", "alice", "spam spam spam", 150)))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var codes = new List<int>();
        for (var i = 0; i < 10; i++) codes.Add((await bob.SendAsync($"tell alice hi {i}")).GetProperty("code").GetInt32());
        var flood = new Dictionary<int, int>();
        foreach (var g in guests)
            foreach (var (code, n) in await g.Ask<Dictionary<int, int>>(Guest.Done.Instance, Wait))
                flood[code] = flood.GetValueOrDefault(code) + n;
        output.WriteLine("flood: " + string.Join(", ", flood.Select(c => $"{c.Key}x{c.Value}")));
        output.WriteLine("bob: " + string.Join(", ", codes));
        Assert.All(codes, c => Assert.Equal(200, c));
    }

    private static long DirBytes(string dir) => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static long Scalar(string file, string sql)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        db.Open();
        using var c = db.CreateCommand();
        c.CommandText = sql;
        return Convert.ToInt64(c.ExecuteScalar());
    }

    /// <summary>A guest: registers, sends <paramref name="count"/> DMs to <paramref name="to"/>, one at a time, and counts the answers.</summary>
    private sealed class Guest : ReceiveActor
    {
        public sealed record Done { public static readonly Done Instance = new(); }
        public sealed record Leave { public static readonly Leave Instance = new(); }

        private readonly Dictionary<int, int> _codes = [];
        private IActorRef? _session, _asker;
        private int _sent;
        private bool _finished;

        public Guest(ActorSelection gateway, string name, string to, string text, int count)
        {
            gateway.Tell(new Register(name), Self);
            Receive<Registered>(r =>
            {
                _session = r.Session;
                _session.Tell(new SetPresence(1, false));
            });
            Receive<Rejected>(r =>
            {
                _codes[r.Code] = _codes.GetValueOrDefault(r.Code) + 1;
                _finished = true;
                _asker?.Tell(_codes);
            });
            Receive<Reply>(r =>
            {
                if (r.Id == 1) { _session!.Tell(new Tell(++_sent + 1, to, text)); return; }
                _codes[r.Code] = _codes.GetValueOrDefault(r.Code) + 1;
                if (_sent < count) _session!.Tell(new Tell(++_sent + 1, to, text));
                else
                {
                    _finished = true;
                    _asker?.Tell(_codes);
                }
            });
            Receive<Done>(_ =>
            {
                _asker = Sender;
                if (_finished) Sender.Tell(_codes);
            });
            Receive<Leave>(_ => _session?.Tell(new Unregister(0)));
            ReceiveAny(_ => { });
        }
    }
}
