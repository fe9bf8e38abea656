using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary><c>--pipeline N</c>: several requests in flight, answers still one line each, in input order.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class PipelineSpecs
{
    [Fact]
    public async Task A_pipelined_client_answers_every_line_once_in_input_order()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice", "--pipeline", "8");
        var lines = new List<string>();
        for (var i = 0; i < 120; i++) lines.Add(i == 60 ? "frobnicate" : $"calc {i} + 1000");
        // All written at once: the client reads ahead while up to 8 are in flight.
        foreach (var l in lines) await alice.Process.WriteLineAsync(l);

        var answers = new List<JsonElement>();
        while (answers.Count < lines.Count)
        {
            var line = await alice.Process.WaitForLineAsync(l => !l.StartsWith("{\"event\""), TimeSpan.FromSeconds(30));
            answers.Add(JsonDocument.Parse(line).RootElement);
        }
        var clientSeq = 1L;
        for (var i = 0; i < lines.Count; i++)
        {
            if (i == 60)
            {
                Assert.Equal(("?", 422), (answers[i].GetProperty("cmd").GetString(), answers[i].GetProperty("code").GetInt32()));
                continue;
            }
            Assert.Equal(200, answers[i].GetProperty("code").GetInt32());
            Assert.Equal(i + 1000, answers[i].GetProperty("result").GetInt64());
            Assert.Equal(++clientSeq, answers[i].GetProperty("clientSeq").GetInt64());
        }
        alice.Process.CloseInput();
        Assert.Equal(0, await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_pipelined_client_prints_an_answer_without_waiting_for_more_input()
    {
        await using var server = await ServerNode.StartAsync();
        await using var bob = await server.ConnectAsync("bob", "--pipeline", "16");
        // A script that waits for each answer before it writes the next line is never stuck.
        for (var i = 0; i < 3; i++)
        {
            var reply = await bob.SendAsync($"calc {i} * 2");
            Assert.Equal(i * 2, reply.GetProperty("result").GetInt64());
        }
        var slept = await bob.SendAsync("sleep 1");
        Assert.Equal(("sleep", 200), (slept.GetProperty("cmd").GetString(), slept.GetProperty("code").GetInt32()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    public async Task A_pipeline_out_of_range_is_a_usage_error(string n)
    {
        await using var client = new ChildProcess(Binaries.Client, ["carol", "--server", "127.0.0.1:1", "--pipeline", n]);
        Assert.Equal(2, await client.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
