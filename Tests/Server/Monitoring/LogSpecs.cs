using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary>The server's log as a person (or a log shipper) reads it: one line per event, one format start to end.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed partial class LogSpecs
{
    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (trce|dbug|info|warn|fail|crit): \S+\[\d+\] ")]
    private static partial Regex TextLine();

    [Fact]
    public async Task Default_log_is_one_line_per_event_in_one_format_from_start_to_shutdown()
    {
        var stderr = await RunAliceAsync();
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.Matches(TextLine(), l));
        Assert.Single(lines, l => l.Contains("connect from") && l.Contains("'alice'"));
        Assert.Single(lines, l => l.Contains("registered 'alice'"));
        Assert.Single(lines, l => l.Contains("session of 'alice' ended: unregistered"));
        Assert.DoesNotContain(lines, l => l.Contains("Remoting started") || l.Contains("calc"));
    }

    [Fact]
    public async Task Debug_adds_requests_and_replies_but_not_akkas_internals()
    {
        var stderr = await RunAliceAsync("--debug");
        Assert.Contains("'alice' #1 calc [6 * 7] -> 200 42", stderr);
        // Every other request by its kind, then its reply with the code (an operator's finding: the kind alone).
        Assert.Contains("'alice' #2 Who", stderr);
        Assert.Contains("'alice' #2 -> 200 1 client(s)", stderr);
        Assert.Contains("'alice' #3 -> 200 unregistered", stderr);
        Assert.DoesNotContain("Performing phase", stderr); // CoordinatedShutdown's debug output
        Assert.DoesNotContain("Removing receive buffers", stderr);
    }

    // An operator's finding: with --debug, every client leaving wrote a line for each other session on the node
    // ("session 'alice' ignored DisassociatedEvent from akka://switchboard/system/endpointManager/...", twice), naming a
    // client that had nothing to do with it: with 200 clients, 398 lines per departure.
    [Fact]
    public async Task Debug_does_not_log_another_clients_departure_in_every_session()
    {
        var monitor = $"127.0.0.1:{FreePorts.Next()}";
        await using var server = await ServerNode.StartAsync(null, 0, "--debug", "--monitor", monitor);
        await using var bob = await server.ConnectAsync("bob");
        await using (var alice = await server.ConnectAsync("alice"))
        {
            Assert.Equal(200, (await alice.SendAsync("unregister")).GetProperty("code").GetInt32());
            await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        // alice's connection is gone once the node counts bob's alone; then bob's session has taken in what was
        // published about it (its mailbox is in order) when it answers his next request.
        using var http = new HttpClient();
        await Eventually.HoldsAsync(async () => (await http.GetStringAsync($"http://{monitor}/status")).Contains("\"connections\":{\"open\":1,"),
            TimeSpan.FromSeconds(30), () => "alice's connection stayed open");
        Assert.Equal(200, (await bob.SendAsync("who")).GetProperty("code").GetInt32());
        Assert.DoesNotContain("ignored DisassociatedEvent", server.Process.StdErr);
    }

    [Fact]
    public async Task Json_log_format_writes_one_json_object_per_line()
    {
        var stderr = await RunAliceAsync("--log-format", "json");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("LogLevel", out _) && e.TryGetProperty("Category", out _) && e.TryGetProperty("Timestamp", out _)));
        Assert.Contains(events, e => e.GetProperty("Message").GetString() == "registered 'alice' (clientSeq 1, serverSeq 1)");
    }

    private static async Task<string> RunAliceAsync(params string[] flags)
    {
        await using var server = await ServerNode.StartAsync(null, 0, flags);
        await using (var alice = await server.ConnectAsync("alice"))
        {
            Assert.Equal(200, (await alice.SendAsync("calc 6 * 7")).GetProperty("code").GetInt32());
            Assert.Equal(200, (await alice.SendAsync("who")).GetProperty("code").GetInt32());
            Assert.Equal(200, (await alice.SendAsync("unregister")).GetProperty("code").GetInt32());
            await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        await server.StopAsync();
        return server.Process.StdErr;
    }
}
