using System.Diagnostics;

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

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(RepoRoot.Find(), "run.sh"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
