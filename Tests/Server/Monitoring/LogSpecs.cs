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
        Assert.DoesNotContain("Performing phase", stderr); // CoordinatedShutdown's debug output
        Assert.DoesNotContain("Removing receive buffers", stderr);
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
            Assert.Equal(200, (await alice.SendAsync("unregister")).GetProperty("code").GetInt32());
            await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        await server.StopAsync();
        return server.Process.StdErr;
    }
}
