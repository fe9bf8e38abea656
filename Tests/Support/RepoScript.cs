using System.Diagnostics;

namespace Switchboard.Tests.Support;

/// <summary>
/// One of the repository's shell scripts (run.sh, demo.sh) run to its end with bash: its exit code and output. A script
/// that outlives the timeout is killed with whatever it started, and the spec fails saying so, instead of leaving it
/// running for the rest of the suite.
/// </summary>
public static class RepoScript
{
    /// <param name="environment">Variables set for the script; a null value removes one.</param>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(
        string script, IEnumerable<string> args, IEnumerable<(string Name, string? Value)>? environment = null)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? [])
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        psi.ArgumentList.Add(Path.Combine(RepoRoot.Find(), script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30).Scaled());
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', args)} did not end within {TimeSpan.FromSeconds(30).Scaled()}: " + await stderr);
        }
        return (p.ExitCode, await stdout, await stderr);
    }
}
