using System.Text.Json;
using static Switchboard.Tests.EndToEnd.HistorySpecs;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// Cluster mode with its store: case variants of one name reserved at once through two nodes (a hostile tester's
/// finding: `carol2` on one node and `Carol2` on another, within about a second, were both reserved, 2 times of 2, and
/// both names then logged in everywhere). Now the folded name's own entity is held while a reserve is decided and the
/// store is read under that hold: one reserve wins, the other is refused 409 as on a single node.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterLookAlikeSpecs(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbclusterfold-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string? Error(JsonElement reply) => reply.TryGetProperty("error", out var e) ? e.GetString() : $"no error: {reply}";

    [Fact]
    public async Task Reserves_of_two_case_variants_at_once_on_two_nodes_have_exactly_one_winner_and_the_other_name_logs_in_nowhere()
    {
        await using var cluster = await ThreeNodes.StartAsync("--db", Secret(_dir, await postgres.CreateDatabaseAsync()));
        // Two reserves at once are two password hashes, and the store's: the reserving clients wait longer than their own
        // 15 s request timeout (which answers 400 and fails the round, as SharedLookAlikeSpecs saw under load).
        var patient = Path.Combine(_dir, "patient-client.hocon");
        await File.WriteAllTextAsync(patient, "switchboard-client { register-timeout = 60s, request-timeout = 60s }\n");
        var reserving = TimeSpan.FromSeconds(90);
        for (var round = 0; round < 2; round++)
        {
            string[] names = [$"carol{round}x", $"Carol{round}x"];
            await using var first = await cluster[0].ConnectAsync(names[0], "--password-file", Secret(_dir, "first-secret"), "--config", patient);
            await using var second = await cluster[1].ConnectAsync(names[1], "--password-file", Secret(_dir, "second-secret"), "--config", patient);
            var replies = await Task.WhenAll(first.SendAsync("reserve", reserving), second.SendAsync("reserve", reserving));

            var codes = replies.Select(Code).ToArray();
            Assert.True(codes.Count(c => c == 200) == 1 && codes.Count(c => c == 409) == 1, $"round {round}: {string.Join(", ", replies)}");
            var loser = codes[0] == 200 ? names[1] : names[0];
            Assert.StartsWith($"'{loser}' differs only in case from ", Error(replies[codes[0] == 200 ? 1 : 0]));
        }
        // Nobody registers as a look-alike of a reserved name on any node (once each has heard of it).
        for (var i = 0; i < 3; i++)
            await Eventually.HoldsAsync(async () =>
            {
                await using var impostor = await cluster[i].ConnectAsync("CAROL0X");
                return Code(impostor.Registration) == 403;
            }, TimeSpan.FromSeconds(20), () => $"CAROL0X still registers on node {i}");

        // A case variant online on another node when the name is reserved loses its session there (it heard of it).
        await using var lookAlike = await cluster[2].ConnectAsync("DAVE9X");
        Assert.Equal(200, Code(lookAlike.Registration));
        await using (var dave = await cluster[0].ConnectAsync("dave9x", "--password-file", Secret(_dir, "daves-secret"), "--config", patient))
            Assert.Equal(200, Code(await dave.SendAsync("reserve", reserving)));
        await using var watcher = await cluster[2].ConnectAsync("watcher9x");
        await Eventually.HoldsAsync(async () =>
        {
            var who = await watcher.SendAsync("who");
            return !who.GetProperty("result").EnumerateArray().Any(e => e.GetProperty("name").GetString() == "DAVE9X");
        }, TimeSpan.FromSeconds(20), () => "DAVE9X is still online after dave9x was reserved");
    }
}
