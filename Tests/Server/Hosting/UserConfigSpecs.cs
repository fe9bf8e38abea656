namespace Switchboard.Tests.Server.Hosting;

/// <summary>A single-host node runs with what a user's <c>--config</c> says, over the shipped defaults and over what
/// Akka.Hosting would set on its own (cluster mode's counterpart: ClusterSpecs, a user's config overrides cluster keys).</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class UserConfigSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbuserconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_users_config_overrides_switchboard_and_akka_defaults_in_a_single_host_node()
    {
        // Two requests, then none for 1,000 s: the third is refused whatever the machine's speed. Akka's log level
        // WARNING drops the gateway's info lines (Akka.Hosting's logger setup would otherwise say Info).
        var config = Path.Combine(_dir, "user.hocon");
        await File.WriteAllTextAsync(config, "switchboard.rate-limit { per-second = 0.001, burst = 2 }\nakka.loglevel = WARNING\n");
        await using var server = await ServerNode.StartAsync(extra: ["--config", config]);
        await using var alice = await server.ConnectAsync("alice");
        Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
        var codes = new List<int>();
        for (var i = 0; i < 3; i++) codes.Add((await alice.SendAsync($"calc {i} + 1")).GetProperty("code").GetInt32());
        Assert.Equal([200, 200, 429], codes);
        await server.StopAsync();
        Assert.DoesNotContain("registered 'alice'", server.Process.StdErr);
    }

    // docs/operating.md: a malformed setting is a clear start error, exit code 2; a misspelt key or an unclosed brace
    // is one too (Akka's parser takes both without a word, and the node would run on the defaults).
    [Theory]
    [InlineData("switchboard { rate-limt { per-second = 0 } }", "switchboard.rate-limt is not a setting; did you mean switchboard.rate-limit?")]
    [InlineData("switchboard { rate-limit {", "line 1: '{' is never closed")]
    public async Task A_misspelt_key_or_a_file_that_does_not_parse_stops_the_start_with_exit_code_2(string hocon, string message)
    {
        var (config, stderr) = await RefusedStartAsync(hocon);
        Assert.Contains($"error: bad configuration: {config}", stderr);
        Assert.Contains(message, stderr);
    }

    // A start with the user's file holding hocon, which must end with exit code 2: the file's path and the server's stderr.
    private async Task<(string Config, string StdErr)> RefusedStartAsync(string hocon)
    {
        var config = Path.Combine(_dir, "user.hocon");
        await File.WriteAllTextAsync(config, hocon);
        var segment = ServerNode.NewSegmentName();
        try
        {
            await using var server = new ChildProcess(Binaries.Server,
                ["--port", "0", "--segment", segment, "--data", Path.Combine(_dir, "data"), "--config", config], redirectInput: false);
            Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            return (config, server.StdErr);
        }
        finally
        {
            // A server that started after all is killed when the spec fails, and leaves its segment.
            SegmentFiles.Remove(segment);
        }
    }

    [Theory]
    // The transport's record of each peer's socket host is what every per-host limit and the Register check go by: a
    // config that drops it (or puts another class under its name) would start a node that takes whatever host a peer writes.
    [InlineData("akka.remote.dot-netty.tcp.applied-adapters = []", "akka.remote.dot-netty.tcp.applied-adapters must keep peer-address")]
    [InlineData("akka.remote.adapters.peer-address = \"Switchboard.Messages.Transport.Inbound.OutboundOnlyTransportProvider,Switchboard.Messages\"",
        "akka.remote.adapters.peer-address must be Switchboard.Server.Security.PeerAddressTransportProvider")]
    public async Task A_config_that_drops_the_transports_record_of_peer_hosts_stops_the_start_with_exit_code_2(string hocon, string message)
    {
        var (_, stderr) = await RefusedStartAsync(hocon);
        Assert.Contains($"error: bad configuration: {message}", stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")), "a refused start makes no data directory");
    }
}
