using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>A name's life end to end: taken and invalid names refused, and every way of leaving (unregister, exit,
/// end of input, SIGINT/SIGTERM, kill -9) frees it for the next client.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class NameLifecycleSpecs
{
    // A client's exit: its actor system's shutdown, seconds on a loaded box.
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Second_client_with_a_taken_name_is_rejected_with_409_and_exit_code_3()
    {
        await using var server = await ServerNode.StartAsync();
        await using var first = await server.ConnectAsync("carol");
        await using var second = await server.ConnectAsync("carol");

        Assert.Equal(409, second.Registration.GetProperty("code").GetInt32());
        Assert.Contains("already taken", second.Registration.GetProperty("error").GetString());
        Assert.Equal(3, await second.Process.WaitForExitAsync(Exit));
        Assert.Equal(200, (await first.SendAsync("prime 7")).GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("this-name-is-far-too-long-for-switchboard")]
    [InlineData("semi;colon")]
    public async Task Invalid_name_is_rejected_with_422_by_the_server(string name)
    {
        await using var server = await ServerNode.StartAsync();
        await using var client = await server.ConnectAsync(name);
        Assert.Equal(422, client.Registration.GetProperty("code").GetInt32());
        Assert.Equal(3, await client.Process.WaitForExitAsync(Exit));
    }

    [Theory]
    [InlineData("unregister")]
    [InlineData("exit")]
    [InlineData(null)] // end of input
    public async Task Leaving_frees_the_name_for_the_next_client(string? how)
    {
        await using var server = await ServerNode.StartAsync();
        await using (var dave = await server.ConnectAsync("dave"))
        {
            if (how is null) dave.Process.CloseInput();
            else Assert.Equal(200, (await dave.SendAsync(how)).GetProperty("code").GetInt32());
            Assert.Equal(0, await dave.Process.WaitForExitAsync(Exit));
        }
        await using var again = await server.ConnectAsync("dave");
        Assert.Equal(200, again.Registration.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData(Posix.SIGTERM)]
    [InlineData(Posix.SIGINT)]
    public async Task Interrupted_client_unregisters_before_it_exits(int signal)
    {
        await using var server = await ServerNode.StartAsync();
        await using (var ida = await server.ConnectAsync("ida"))
        {
            Assert.Equal(200, (await ida.SendAsync("even 2")).GetProperty("code").GetInt32());
            ida.Process.Signal(signal);
            Assert.Equal(0, await ida.Process.WaitForExitAsync(Exit));
        }
        // Freed by the unregister itself, not by the server noticing a dead client later.
        await using var again = await server.ConnectAsync("ida");
        Assert.Equal(200, again.Registration.GetProperty("code").GetInt32());
        // The session logs its end asynchronously, in no fixed order with the replies: waited for.
        await server.Process.WaitForStdErrAsync("session of 'ida' ended: unregistered", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Killed_client_frees_its_name_within_seconds()
    {
        await using var server = await ServerNode.StartAsync();
        await using (var erin = await server.ConnectAsync("erin"))
        {
            erin.Process.Signal(Posix.SIGKILL);
            await erin.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await using var retry = await server.ConnectAsync("erin");
            if (retry.Registration.GetProperty("code").GetInt32() == 200) break;
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15).Scaled(), "name of a killed client was not freed within 15 s");
            await Task.Delay(500);
        }
    }
}
