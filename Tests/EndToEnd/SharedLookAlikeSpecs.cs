using System.Text.Json;
using static Switchboard.Tests.EndToEnd.HistorySpecs;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// Two real nodes sharing one segment and one data directory, reserving case variants of one name (a hostile tester's
/// finding): `carol2` through one node and `Carol2` through the other, within about a second, were both reserved, and
/// both then logged in on both nodes, because each node checked look-alikes only against the reservations it knew.
/// Now the folded name is held in the segment while a reserve is decided and the shared file is read under that hold:
/// the second is refused 409 as on a single node.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedLookAlikeSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sblookalike-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A reserve is a password hash (~0.3 s of a free core) and here two run at once: at load ~90 one took longer than
    // the client's own 15 s request timeout. The spec is about who wins, not about that timeout.
    private static readonly TimeSpan Reserving = TimeSpan.FromSeconds(90);

    // Written once: a client still starting reads it.
    private string? _patient;

    private string Patient()
    {
        if (_patient is not null) return _patient;
        var path = Path.Combine(_dir, "patient-client.hocon");
        File.WriteAllText(path, "switchboard-client { register-timeout = 60s, request-timeout = 60s }\n");
        return _patient = path;
    }

    private Task<ClientSession> ReserverAsync(ServerNode node, string name, string secret) =>
        node.ConnectAsync(name, "--password-file", Secret(_dir, secret), "--config", Patient());

    private static string Refusal(string name, string reserved) =>
        $"'{name}' differs only in case from the reserved name '{reserved}'; choose another name";

    private static string? Error(JsonElement reply) => reply.TryGetProperty("error", out var e) ? e.GetString() : $"no error: {reply}";

    // The watch that would tell the second node within a second is an hour away: only the check at the reserve can refuse.
    [Fact]
    public async Task A_case_variant_reserved_through_the_other_node_is_refused_409_before_this_node_heard_of_it()
    {
        var config = Path.Combine(_dir, "slow-watch.hocon");
        File.WriteAllText(config, "switchboard.accounts.watch-interval = 1h\n");
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment, extra: ["--config", config]);
        await using var b = await ServerNode.StartAsync(segment, extra: ["--config", config]);

        await using (var carol = await ReserverAsync(a, "carol2", "carols-own-secret"))
        {
            var reserved = await carol.SendAsync("reserve", Reserving);
            Assert.Equal((200, "reserved"), (Code(reserved), Result(reserved)));
        }

        await using var lookAlike = await ReserverAsync(b, "Carol2", "mallorys-secret");
        var refused = await lookAlike.SendAsync("reserve", Reserving);
        Assert.Equal((409, Refusal("Carol2", "carol2")), (Code(refused), Error(refused)));
    }

    [Fact]
    public async Task Reserves_of_two_case_variants_at_once_on_two_nodes_have_exactly_one_winner_and_the_other_name_logs_in_nowhere()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        for (var round = 0; round < 3; round++)
        {
            string[] names = [$"carol{round}x", $"Carol{round}x"];
            await using var first = await ReserverAsync(a, names[0], "first-secret");
            await using var second = await ReserverAsync(b, names[1], "second-secret");
            var replies = await Task.WhenAll(first.SendAsync("reserve", Reserving), second.SendAsync("reserve", Reserving));

            var codes = replies.Select(Code).ToArray();
            Assert.True(codes.Count(c => c == 200) == 1 && codes.Count(c => c == 409) == 1, $"round {round}: {string.Join(", ", replies)}");
            var (winner, loser) = codes[0] == 200 ? (names[0], names[1]) : (names[1], names[0]);
            Assert.Equal(Refusal(loser, winner), Error(replies[codes[0] == 200 ? 1 : 0]));
        }
        // Nobody registers as a look-alike of a reserved name on either node (once each has read the file).
        foreach (var node in new[] { a, b })
            await Eventually.HoldsAsync(async () =>
            {
                await using var impostor = await node.ConnectAsync("CAROL0X");
                return Code(impostor.Registration) == 403;
            }, TimeSpan.FromSeconds(20), () => $"CAROL0X still registers on {node.Address}");
    }

    // A hostile tester's finding: a case variant online when the name was reserved kept its session (and talked as it,
    // into kept history) for as long as it stayed connected. Its session ends on every node once the reservation is
    // known there, and its client's new registration is refused.
    [Fact]
    public async Task Case_variants_online_when_a_name_is_reserved_lose_their_sessions_on_both_nodes()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var here = await a.ConnectAsync("Dave5");
        await using var there = await b.ConnectAsync("DAVE5");
        await using var watcher = await a.ConnectAsync("watcher5");
        Assert.Equal((200, 200), (Code(here.Registration), Code(there.Registration)));

        await using (var dave = await ReserverAsync(a, "dave5", "daves-own-secret"))
        {
            var reserved = await dave.SendAsync("reserve", Reserving);
            Assert.Equal((200, "reserved"), (Code(reserved), Result(reserved)));
        }

        await Eventually.HoldsAsync(async () =>
        {
            var who = await watcher.SendAsync("who");
            var names = who.GetProperty("result").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToArray();
            return !names.Contains("Dave5") && !names.Contains("DAVE5");
        }, TimeSpan.FromSeconds(20), () => "a case variant of the reserved dave5 is still online");
        // Its client says why, and does not try the name again.
        await here.Process.WaitForLineAsync(l => l.Contains("\"event\":\"disconnected\"") && l.Contains("differs only in case from the reserved name 'dave5'"),
            TimeSpan.FromSeconds(30));
        await here.Process.WaitForLineAsync(l => l.Contains("reconnect-refused-final"), TimeSpan.FromSeconds(30));
        // And stays away: its client's registration (its reconnect too) is refused.
        await using var again = await b.ConnectAsync("Dave5");
        Assert.Equal(403, Code(again.Registration));
        Assert.Equal(404, Code(await watcher.SendAsync("tell DAVE5 are you there")));
    }
}
