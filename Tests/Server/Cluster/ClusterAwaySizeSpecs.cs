using Switchboard.Tests.EndToEnd;
using static Switchboard.Tests.EndToEnd.HistorySpecs;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// Cluster mode with its store: what waits for an offline reserved name within the inbox's own bounds (max-held,
/// max-held-from-one, 4 KiB texts) reaches it at its next login on any node, whichever node its inbox entity lives on.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterAwaySizeSpecs(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbclusteraway-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_full_inbox_of_large_messages_reaches_its_owner_at_login_on_any_node()
    {
        // The spec is about sizes, not a slow store: on a loaded box a write may take longer than the 5 s after which a
        // sender hears 503 (a full suite beside two busy loops saw one), so the nodes wait longer.
        var config = Path.Combine(_dir, "patient.hocon");
        await File.WriteAllTextAsync(config, "switchboard.history.timeout = 60s\n");
        await using var cluster = await ThreeNodes.StartAsync("--db", Secret(_dir, await postgres.CreateDatabaseAsync()), "--config", config);
        // And the clients wait longer than that for an answer (their own request timeout is 15 s), and for a login with
        // a password (a hash): at load ~90 a client's start and registration took over 30 s.
        var client = Path.Combine(_dir, "patient-client.hocon");
        await File.WriteAllTextAsync(client, "switchboard-client { register-timeout = 90s, request-timeout = 90s }\n");
        var answer = TimeSpan.FromSeconds(120);
        var password = Secret(_dir, "through-the-looking-glass-7");
        // Three owners: each inbox entity lives on some node; at least one of them, most likely, not on node 3.
        string[] owners = ["alice", "dana", "erin"];
        foreach (var owner in owners) await LeaveAsync(await cluster[0].ConnectAsync(owner, "--password-file", password, "--config", client), "reserve", "reserved", answer);

        // Within every bound: 32 texts of 4,000 characters from each sender fit a conversation's max-bytes (so none is
        // trimmed), and six senders' 192 are far below max-held. Together they are over 750 KB.
        const int PerSender = 32;
        string[] senders = ["bob", "carol", "frank", "gina", "hank", "ivy"];
        var text = new string('x', 4000);
        foreach (var sender in senders)
        {
            await using var guest = await cluster[1].ConnectAsync(sender, "--config", client);
            foreach (var owner in owners)
                for (var i = 0; i < PerSender; i++)
                    Assert.Equal(202, Code(await guest.SendAsync($"tell {owner} {i:D4}{text}", answer)));
        }

        foreach (var owner in owners)
        {
            await using var login = await cluster[2].ConnectAsync(owner, "--password-file", password, "--config", client);
            Assert.Equal(200, Code(login.Registration));
            var away = await NextEventAsync(login, answer);
            Assert.Equal(("away", senders.Length * PerSender), (away.GetProperty("event").GetString(), away.GetProperty("arrived").GetInt32()));
        }
    }
}
