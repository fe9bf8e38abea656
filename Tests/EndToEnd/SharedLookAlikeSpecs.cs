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

        await using (var carol = await a.ConnectAsync("carol2", "--password-file", Secret(_dir, "carols-own-secret")))
        {
            var reserved = await carol.SendAsync("reserve");
            Assert.Equal((200, "reserved"), (Code(reserved), Result(reserved)));
        }

        await using var lookAlike = await b.ConnectAsync("Carol2", "--password-file", Secret(_dir, "mallorys-secret"));
        var refused = await lookAlike.SendAsync("reserve");
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
            await using var first = await a.ConnectAsync(names[0], "--password-file", Secret(_dir, "first-secret"));
            await using var second = await b.ConnectAsync(names[1], "--password-file", Secret(_dir, "second-secret"));
            var replies = await Task.WhenAll(first.SendAsync("reserve"), second.SendAsync("reserve"));

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
}
