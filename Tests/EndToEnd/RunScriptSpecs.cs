namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// <c>./run.sh</c>'s arguments: what follows <c>--</c> goes to the server (a tester's finding: there was no way to
/// choose its segment, or any other server option). Only the answers given before it builds are run here.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class RunScriptSpecs
{
    [Fact]
    public async Task Its_help_says_that_options_after_a_double_dash_are_the_servers()
    {
        var (code, stdout, _) = await RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("usage: ./run.sh [NAME] [PORT | --port PORT] [CLIENT OPTIONS...] [-- SERVER OPTIONS...]", stdout);
        Assert.Contains("--segment NAME", stdout);
    }

    // The client dials 127.0.0.1 on run.sh's port: a server told another port or host after -- would not be found.
    [Theory]
    [InlineData("--port", "5")]
    [InlineData("--port=5", null)]
    [InlineData("--host", "127.0.0.2")]
    public async Task The_servers_port_and_host_stay_run_shs_own(string option, string? value)
    {
        var (code, _, stderr) = await RunAsync(value is null ? ["alice", "--", option] : ["alice", "--", option, value]);
        Assert.Equal(2, code);
        Assert.Contains("run.sh: give the port to run.sh (./run.sh alice PORT), not after --", stderr);
        Assert.DoesNotContain("building", stderr);
    }

    // What run.sh does once it has built: start the server and wait for it to listen. A dotnet of the spec's stands in for
    // the real one (no Release build, no server): it builds nothing and answers as the server would.
    private const string FakeDotnet = """
        #!/usr/bin/env bash
        case "$1" in
          build) exit 0 ;;
          *ActorServer.dll)
            for a in "$@"; do
              case "$a" in
                --help) echo "Usage:"; echo "  ActorServer [command] [options]"; exit 0 ;;
                --refuse) echo "error: refused for the spec" >&2; exit 1 ;;
              esac
            done
            exit 3 ;;
          *) exit 4 ;;
        esac
        """;

    // A new user's finding: the server's help, asked for through run.sh, was reported as a failed start (exit code 1).
    [Fact]
    public async Task The_servers_help_asked_for_after_a_double_dash_is_its_answer_not_a_failed_start()
    {
        var (code, stdout, stderr) = await RunWithFakeDotnetAsync("alice", "--", "--help");
        Assert.Equal(0, code);
        Assert.Contains("ActorServer [command] [options]", stdout);
        Assert.DoesNotContain("did not start", stderr);
        Assert.DoesNotContain("log is kept", stderr);
    }

    [Fact]
    public async Task A_server_that_ends_before_it_listens_with_an_error_is_a_failed_start_said_as_such()
    {
        var (code, stdout, stderr) = await RunWithFakeDotnetAsync("alice", "--", "--refuse");
        Assert.Equal(1, code);
        Assert.Contains("error: refused for the spec", stdout);
        var said = Assert.Single(stderr.Split('\n'), l => l.StartsWith("run.sh: the server did not start (exit code 1; its log, above, is kept: ", StringComparison.Ordinal));
        var log = said[(said.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].TrimEnd(')');
        Assert.True(File.Exists(log), log);
        File.Delete(log);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunWithFakeDotnetAsync(params string[] args)
    {
        var bin = Directory.CreateTempSubdirectory("sb-run-dotnet-");
        try
        {
            var dotnet = Path.Combine(bin.FullName, "dotnet");
            await File.WriteAllTextAsync(dotnet, FakeDotnet.ReplaceLineEndings("\n") + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return await RunAsync(bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH"), args);
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, args);

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(string? path, string[] args) =>
        RepoScript.RunAsync("run.sh", args, path is null ? null : [("PATH", path)]);
}
