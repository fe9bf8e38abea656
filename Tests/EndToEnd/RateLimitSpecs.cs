using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>A piped file of commands against a server's per-client rate limit: the server answers a command over it 429
/// with when to come back, and the scripted client waits that long and sends it again, so every line gets its real
/// answer, in input order (MessagingSpecs: a client that does not retry prints the 429 itself).</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class RateLimitSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbrate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("1")]
    [InlineData("4")]
    public async Task A_piped_file_of_more_lines_than_the_burst_gets_every_real_answer_and_no_429(string pipeline)
    {
        // 5 requests a second, 5 at once: 20 lines written at once outrun it unless round trips took ~160 ms on average
        // (at 20 a second and 40 lines, 45 ms was enough to reach no limit: a loaded box's round trips can). The
        // window stays below the burst (past a burst of 429s in a row a server drops requests unanswered).
        var config = Path.Combine(_dir, "server.hocon");
        await File.WriteAllTextAsync(config, "switchboard.rate-limit { per-second = 5, burst = 5 }\n");
        await using var server = await ServerNode.StartAsync(extra: ["--config", config]);
        await using var alice = await server.ConnectAsync("alice", "--pipeline", pipeline);
        const int count = 20;
        for (var i = 0; i < count; i++) await alice.Process.WriteLineAsync($"calc {i} + 1000");
        alice.Process.CloseInput();

        var lastSeq = 0L;
        for (var i = 0; i < count; i++)
        {
            var line = await alice.Process.WaitForLineAsync(l => !l.StartsWith("{\"event\""), TimeSpan.FromSeconds(30));
            var answer = JsonDocument.Parse(line).RootElement;
            Assert.True(answer.GetProperty("code").GetInt32() == 200, $"line {i}: {line}");
            Assert.Equal(i + 1000L, answer.GetProperty("result").GetInt64());
            Assert.True(answer.GetProperty("clientSeq").GetInt64() > lastSeq, $"line {i} out of order: {line}");
            lastSeq = answer.GetProperty("clientSeq").GetInt64();
        }
        Assert.Equal(0, await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // A 429 is a reply too (counted in clientSeq): the server did refuse some, and the client sent them again.
        Assert.True(lastSeq > count + 1, $"no request was refused (last clientSeq {lastSeq}): the limit was not reached");
    }
}
