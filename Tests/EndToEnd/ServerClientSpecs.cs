using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>Real ActorServer and ActorClient processes on 127.0.0.1, driven through the scripted mode.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ServerClientSpecs
{
    [Fact]
    public async Task Client_registers_and_every_operation_answers_with_both_sequence_numbers()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");

        Assert.Equal("registered", alice.Registration.GetProperty("event").GetString());
        Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
        Assert.Equal(1, alice.Registration.GetProperty("clientSeq").GetInt64());
        var serverSeq = alice.Registration.GetProperty("serverSeq").GetInt64();

        (string Command, int Code, string Result)[] cases =
        [
            ("calc 6 * 7", 200, "42"),
            ("calc -7 / 2", 200, "-3"),
            ("calc -7 % 2", 200, "-1"),
            ("calc 9223372036854775807 - -1", 422, "overflow"),
            ("calc 1 / 0", 422, "division by zero"),
            ("calc 5 % 0", 422, "division by zero"),
            ("calc 1 ^ 2", 300, "operator not supported: ^ (use + - * / %)"),
            ("even -3", 200, "odd"),
            ("even -9223372036854775808", 200, "even"),
            ("prime 9223372036854775783", 200, "true"),
            ("prime 561", 200, "false"),
            ("negative -1", 200, "true"),
            ("negative 0", 200, "false"),
            ("op add 2 3", 200, "5"),
            ("op mul 4294967296 4294967296", 422, "overflow"),
            ("op frobnicate 1", 300, "operation not supported: frobnicate (the operations: add sub mul div mod even prime negative)"),
            ("prime twelve", 422, "not a number: 'twelve'"),
            ("prime", 422, "prime takes 1 argument"),
        ];
        var clientSeq = 1L;
        foreach (var (command, code, result) in cases)
        {
            var reply = await alice.SendAsync(command);
            Assert.Equal(command.Split(' ')[0], reply.GetProperty("cmd").GetString());
            Assert.Equal(code, reply.GetProperty("code").GetInt32());
            Assert.Equal(++clientSeq, reply.GetProperty("clientSeq").GetInt64());
            Assert.Equal(++serverSeq, reply.GetProperty("serverSeq").GetInt64());
            var actual = code == 200 ? reply.GetProperty("result").ToString() : reply.GetProperty("error").GetString();
            Assert.Equal(result, code == 200 && reply.GetProperty("result").ValueKind is JsonValueKind.True or JsonValueKind.False ? actual!.ToLowerInvariant() : actual);
        }
    }

    [Fact]
    public async Task Line_that_is_not_a_command_is_answered_by_the_client_without_reaching_the_server()
    {
        await using var server = await ServerNode.StartAsync();
        await using var bob = await server.ConnectAsync("bob");

        var reply = await bob.SendAsync("launch rockets");
        Assert.Equal("?", reply.GetProperty("cmd").GetString());
        Assert.Equal(422, reply.GetProperty("code").GetInt32());
        Assert.Contains("unknown command", reply.GetProperty("error").GetString());
        Assert.False(reply.TryGetProperty("serverSeq", out _));

        var next = await bob.SendAsync("even 2");
        Assert.Equal(2, next.GetProperty("clientSeq").GetInt64()); // the bad line did not count
    }

    [Fact]
    public async Task Server_stopping_while_a_client_runs_gives_400_and_the_client_exits_4_without_hanging()
    {
        await using var server = await ServerNode.StartAsync();
        await using var frank = await server.ConnectAsync("frank");
        Assert.Equal(200, (await frank.SendAsync("even 4")).GetProperty("code").GetInt32());

        await server.StopAsync();
        await frank.Process.WaitForLineAsync(l => l.Contains("\"disconnected\""), TimeSpan.FromSeconds(60));
        var reply = await frank.SendAsync("prime 7");
        Assert.Equal(400, reply.GetProperty("code").GetInt32());
        // Answered from what the client knows, not after waiting out the request timeout.
        Assert.DoesNotContain("no reply", reply.GetProperty("error").GetString());
        frank.Process.CloseInput();
        Assert.Equal(4, await frank.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Client_with_no_server_exits_4_with_400()
    {
        var port = FreePorts.Next();
        await using var client = await ClientSession.StartAsync("gina", $"127.0.0.1:{port}");
        Assert.Equal(400, client.Registration.GetProperty("code").GetInt32());
        Assert.Equal(4, await client.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Shutdown_summary_lists_each_client_and_the_total_requests()
    {
        await using var server = await ServerNode.StartAsync();
        await using (var h = await server.ConnectAsync("harry"))
        {
            for (var i = 0; i < 3; i++) await h.SendAsync($"even {i}");
            await h.SendAsync("calc 1 / 0"); // failed requests count too
            await h.SendAsync("unregister");
        }
        await using (var i = await server.ConnectAsync("ivy"))
        {
            await i.SendAsync("prime 13");
            await i.SendAsync("unregister");
        }
        var output = await server.StopAsync();
        Assert.Contains("summary: 2 client session(s) served", output);
        Assert.Matches(@"harry\s+5 request\(s\)", output); // 4 requests + the unregister reply
        Assert.Matches(@"ivy\s+2 request\(s\)", output);
        Assert.Matches(@"total\s+7 request\(s\)", output);
        // stdout is for scripts: the "listening on" line and the summary, never a log line (those go to stderr).
        Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.Matches(@"^(listening on |summary: |  )", line));
    }

    [Fact]
    public async Task Any_spelling_of_the_server_host_reaches_it_and_an_oversized_request_is_refused_at_once()
    {
        await using var server = await ServerNode.StartAsync();
        await using var lou = await ClientSession.StartAsync("lou", $"localhost:{server.Port}");
        Assert.Equal(200, lou.Registration.GetProperty("code").GetInt32());
        Assert.Equal(3, (await lou.SendAsync("calc 1 + 2")).GetProperty("result").GetInt64());

        var huge = await lou.SendAsync("prime " + new string('7', 70_000));
        Assert.Equal(422, huge.GetProperty("code").GetInt32());
        Assert.Contains("too large", huge.GetProperty("error").GetString()); // the client's own answer, not a timeout
        Assert.Equal(3L, (await lou.SendAsync("even 2")).GetProperty("clientSeq").GetInt64());
        // More arguments than the server decodes: the client's own answer too, never a frame the server drops.
        var many = await lou.SendAsync("op add" + string.Concat(Enumerable.Repeat(" 1", Limits.MaxArgs + 1)));
        Assert.Equal(422, many.GetProperty("code").GetInt32());
        Assert.Contains("too many arguments", many.GetProperty("error").GetString());
        Assert.Equal(4L, (await lou.SendAsync("even 2")).GetProperty("clientSeq").GetInt64());
    }

}
