using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

// Fifty client processes start at once: a flood of the machine.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ConcurrencySpecs
{
    private const int Clients = 50;
    private const int RequestsEach = 10;

    [Fact]
    public async Task Fifty_clients_at_once_all_get_correct_and_correctly_numbered_replies_and_the_summary_adds_up()
    {
        await using var server = await ServerNode.StartAsync();
        // Fifty .NET clients starting at once on 2 busy cores can take longer than the client's 15 s to register:
        // the spec is about correct, gap-free numbering under concurrency, not about that timeout.
        var patient = Path.Combine(Path.GetTempPath(), $"sb-patient-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(patient, "switchboard-client.register-timeout = 90s\n");
        var clients = new List<ChildProcess>();
        try
        {
            for (var c = 0; c < Clients; c++)
                clients.Add(new ChildProcess(Binaries.Client, [$"c{c:00}", "--server", server.Address, "--json", "--config", patient]));
            // Every client gets its whole script at once: they all register and send concurrently.
            await Task.WhenAll(clients.Select(async (p, c) =>
            {
                for (var i = 0; i < RequestsEach; i++) await p.WriteLineAsync($"calc {c} * {i}");
                await p.WriteLineAsync("unregister");
            }));

            var serverSeqs = new List<long>();
            await Task.WhenAll(clients.Select(async (p, c) =>
            {
                var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(120));
                Assert.True(code == 0, $"client c{c:00} exited {code}:\n{p.StdOut}\n{p.StdErr}");
                // Presence notices of the other 49 come and go in between: keep registration and replies.
                var lines = p.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => JsonDocument.Parse(l).RootElement)
                    .Where(e => !e.TryGetProperty("event", out var ev) || ev.GetString() == "registered")
                    .ToArray();
                Assert.Equal(RequestsEach + 2, lines.Length);
                Assert.Equal("registered", lines[0].GetProperty("event").GetString());
                for (var i = 0; i < lines.Length; i++)
                {
                    Assert.Equal(200, lines[i].GetProperty("code").GetInt32());
                    Assert.Equal(i + 1, lines[i].GetProperty("clientSeq").GetInt64());
                    if (i is > 0 and <= RequestsEach) Assert.Equal((long)c * (i - 1), lines[i].GetProperty("result").GetInt64());
                }
                lock (serverSeqs) serverSeqs.AddRange(lines.Select(l => l.GetProperty("serverSeq").GetInt64()));
            }));

            // One global sequence: every reply got a distinct number, with no gaps.
            var total = Clients * (RequestsEach + 2);
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), serverSeqs.Order());

            var summary = await server.StopAsync();
            Assert.Contains($"summary: {Clients} client session(s) served", summary);
            Assert.Matches($@"total\s+{Clients * (RequestsEach + 1)} request\(s\)", summary);
        }
        finally
        {
            File.Delete(patient);
            foreach (var p in clients) await p.DisposeAsync();
        }
    }
}
