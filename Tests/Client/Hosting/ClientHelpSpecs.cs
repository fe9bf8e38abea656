using System.Diagnostics;

namespace Switchboard.Tests.Client.Hosting;

/// <summary><c>ActorClient --help</c> and the usage errors a new user meets first, from the real program.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ClientHelpSpecs
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var psi = DotnetProcess.StartInfo(Binaries.Client, args, redirectInput: true);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60).Scaled());
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Help_lists_the_options_the_commands_the_codes_and_examples()
    {
        var (code, stdout, _) = await RunAsync("--help");
        Assert.Equal(0, code);
        foreach (var part in new[] { "--server HOST:PORT", "--chat", "no subcommands", "tell NAME TEXT", "409 name already taken", "exit codes: 0 normal", "examples:", "printf 'calc 6 * 7", "--version",
                     // A new user's finding: these two were named only inside --password-file's text, not as options.
                     "\n  --password ", "\n  --allow-cleartext-password" })
            Assert.Contains(part, stdout);
    }

    [Theory]
    [InlineData(new[] { "--server", "127.0.0.1:4053" }, "give your name first")]
    [InlineData(new[] { "alice", "--server" }, "error: --server needs a value: --server HOST:PORT")]
    [InlineData(new[] { "alice", "--pipeline" }, "error: --pipeline needs a value: --pipeline N")]
    [InlineData(new[] { "alice", "--port", "abc" }, "the client has no --port; give the server as --server HOST:PORT")]
    [InlineData(new[] { "alice", "--server", "127.0.0.1:abc" }, "--server port must be a number from 1 to 65535")]
    [InlineData(new[] { "alice", "--server", "no-such-host.invalid:4053" }, "cannot find the host 'no-such-host.invalid'")]
    // A new user's finding: an empty value (`--password-file "$F"` with F unset) crashed with .NET's unhandled exception.
    [InlineData(new[] { "alice", "--password-file", "" }, "error: --password-file needs a value, not an empty one")]
    [InlineData(new[] { "alice", "--token-file", "" }, "error: --token-file needs a value, not an empty one")]
    [InlineData(new[] { "alice", "--bind", "" }, "error: --bind needs a value, not an empty one")]
    public async Task A_usage_mistake_is_explained_in_words_and_exits_2(string[] args, string explanation)
    {
        var (code, _, stderr) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(explanation, stderr);
        Assert.DoesNotContain("Unrecognized command or argument", stderr);
    }

    // The usage said after a mistake was one line of 214 columns: wrapped by the terminal mid-option.
    [Fact]
    public async Task The_usage_after_a_mistake_fits_80_columns()
    {
        var (code, _, stderr) = await RunAsync("alice", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("usage: ActorClient NAME", stderr);
        Assert.All(stderr.Split('\n').SkipWhile(l => !l.StartsWith("usage:")), l => Assert.True(l.TrimEnd('\r').Length <= 80, l));
    }

    // --chat with stdin or stdout not a terminal ran scripted without a word, though --help says it needs a terminal.
    [Fact]
    public async Task Chat_without_a_terminal_says_it_runs_scripted_instead()
    {
        var (_, stdout, stderr) = await RunAsync("alice", "--chat", "--json", "--server", $"127.0.0.1:{FreePorts.Next()}");
        Assert.Contains("--chat needs a terminal; running scripted", stderr);
        Assert.DoesNotContain("--chat", stdout); // stdout stays one JSON line per command
    }

    // An option typed last without its value was said as a missing name ("give your name first"), after a name.
    [Fact]
    public async Task An_option_without_its_value_is_named_and_the_name_given_is_not_asked_for()
    {
        var (code, _, stderr) = await RunAsync("alice", "--password-file");
        Assert.Equal(2, code);
        Assert.Contains("error: --password-file needs a value: --password-file FILE", stderr);
        Assert.DoesNotContain("give your name first", stderr);
    }

    // The client reads its --config before it connects: a misspelt key is a usage error, not a silent default.
    [Fact]
    public async Task A_misspelt_key_in_the_clients_config_is_a_usage_error_naming_the_setting_meant()
    {
        var config = Path.Combine(Path.GetTempPath(), $"sb-client-config-{Guid.NewGuid():N}.hocon");
        await File.WriteAllTextAsync(config, "switchboard-client.request-timout = 1s\n");
        try
        {
            var (code, _, stderr) = await RunAsync("alice", "--server", $"127.0.0.1:{FreePorts.Next()}", "--config", config);
            Assert.Equal(2, code);
            Assert.Contains($"error: bad configuration: {config}: switchboard-client.request-timout is not a setting; did you mean switchboard-client.request-timeout?", stderr);
        }
        finally
        {
            File.Delete(config);
        }
    }

    // A new user's likeliest wrong port is the server's other one: say which port a client wants.
    [Fact]
    public async Task No_server_at_the_port_says_which_of_the_servers_ports_a_client_connects_to()
    {
        var (code, _, stderr) = await RunAsync("alice", "--server", $"127.0.0.1:{FreePorts.Next()}", "--json");
        Assert.Equal(4, code);
        Assert.Contains("(clients connect to the server's --port, not its --cluster-port or --monitor port)", stderr);
    }
}
