namespace Switchboard.Tests.Server.Security;

/// <summary>A server that requires a token: real processes, the token given in files (never on a command line).</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class TokenSpecs : IDisposable
{
    private const string Secret = "correct-horse-battery-staple-7f3a";
    private readonly string _dir = Directory.CreateTempSubdirectory("sbtoken-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TokenFile(string token, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, token + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public async Task Only_a_client_with_the_right_token_registers_and_the_token_never_reaches_a_log()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--token-file", TokenFile(Secret)]);

        await using (var none = await server.ConnectAsync("nobody"))
        {
            Assert.Equal(401, none.Registration.GetProperty("code").GetInt32());
            Assert.Equal(3, await none.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        await using (var wrong = await ClientSession.StartAsync("guesser", server.Address, "--token-file", TokenFile("not-it")))
        {
            Assert.Equal(401, wrong.Registration.GetProperty("code").GetInt32());
            Assert.Equal(3, await wrong.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        await using var alice = await ClientSession.StartAsync("alice", server.Address, "--token-file", TokenFile(Secret));
        Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
        Assert.Equal(200, (await alice.SendAsync("calc 2 * 21")).GetProperty("code").GetInt32());

        await server.StopAsync();
        Assert.DoesNotContain(Secret, server.Process.StdErr + server.Process.StdOut);
        Assert.DoesNotContain("not-it", server.Process.StdErr + server.Process.StdOut);
    }

    [Fact]
    public async Task A_host_that_keeps_guessing_is_slowed_down_even_with_the_right_token()
    {
        // A first penalty longer than any client takes to start: the spec does not race the clock.
        var config = Path.Combine(_dir, "patient.hocon");
        File.WriteAllText(config, "switchboard.registration { first-penalty = 120s, max-penalty = 600s }\n");
        await using var server = await ServerNode.StartAsync(extra: ["--token-file", TokenFile(Secret), "--config", config]);
        var codes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            await using var guess = await ClientSession.StartAsync($"guess{i}", server.Address, "--token-file", TokenFile($"guess-{i}"));
            codes.Add(guess.Registration.GetProperty("code").GetInt32());
        }
        // Three wrong tokens, then the host waits: even a right token is answered 429 for now.
        Assert.Equal([401, 401, 401, 429], codes);
        await using var right = await ClientSession.StartAsync("eager", server.Address, "--token-file", TokenFile(Secret));
        Assert.Equal(429, right.Registration.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_missing_or_empty_token_file_is_a_usage_error_on_both_sides()
    {
        await using var server = await ServerNode.StartAsync();
        var empty = TokenFile("");
        await using var client = new ChildProcess(Binaries.Client, ["alice", "--server", server.Address, "--token-file", empty]);
        Assert.Equal(2, await client.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        // A data directory of its own (as every spec server's): the node claims it before it reads the token file, and
        // the run's default one may be held by another spec's server at that moment (then: exit 1, "in use").
        var segment = ServerNode.NewSegmentName();
        await using var node = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", segment, "--token-file", Path.Combine(_dir, "missing"),
            "--data", SpecData.For(segment)]);
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("cannot read token file", node.StdErr);
    }

    // SWITCHBOARD_TOKEN="$TOKEN" with TOKEN unset (or "$(cat F)" with F missing) started a server that required no
    // token at all, and said nothing: an operator who meant to close the node to strangers left it open.
    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task A_token_variable_set_but_empty_is_a_usage_error_on_both_sides_not_a_server_without_a_token(string value)
    {
        var blank = new Dictionary<string, string> { ["SWITCHBOARD_TOKEN"] = value };
        var segment = ServerNode.NewSegmentName();
        await using (var node = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", segment, "--data", SpecData.For(segment)],
            redirectInput: false, environment: blank))
        {
            // Were it taken for "no token", the node would serve and never exit.
            Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("SWITCHBOARD_TOKEN is set but empty (an unset variable?)", node.StdErr);
            Assert.DoesNotContain("listening on", node.StdOut);
        }
        SegmentFiles.Remove(segment);
        await using var client = new ChildProcess(Binaries.Client, ["alice", "--server", "127.0.0.1:1"], environment: blank);
        Assert.Equal(2, await client.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("SWITCHBOARD_TOKEN is set but empty (an unset variable?)", client.StdErr);
    }

    [Fact]
    public async Task A_token_file_other_users_can_read_is_refused_on_both_sides_naming_its_mode_and_the_fix()
    {
        var exposed = TokenFile(Secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var segment = ServerNode.NewSegmentName();
        await using (var node = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", segment, "--token-file", exposed, "--data", SpecData.For(segment)],
            redirectInput: false))
        {
            Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"token file {exposed} is mode 0644, open to other users; make it private: chmod 600 {exposed}", node.StdErr);
            Assert.DoesNotContain("listening on", node.StdOut);
        }
        SegmentFiles.Remove(segment);
        await using var client = new ChildProcess(Binaries.Client, ["alice", "--server", "127.0.0.1:1", "--token-file", exposed]);
        Assert.Equal(2, await client.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"chmod 600 {exposed}", client.StdErr);
    }
}
