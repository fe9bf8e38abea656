using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchboard.Tests.Benchmarks;

/// <summary>One run of the load generator to its end, as the smoke specs need it: its exit, its output, the figures it
/// wrote to <c>--json</c>, and whether every process it named ("pid N" on stderr) is gone. The JSON file is deleted with it.</summary>
internal sealed class LoadRun : IDisposable
{
    private readonly string _json;
    public int ExitCode { get; }
    public string StdOut { get; }
    public string StdErr { get; }

    private LoadRun(string json, int exitCode, string stdOut, string stdErr) =>
        (_json, ExitCode, StdOut, StdErr) = (json, exitCode, stdOut, stdErr);

    public static async Task<LoadRun> RunAsync(string[] args, int limitSeconds)
    {
        var json = Path.Combine(Path.GetTempPath(), $"sbload-{args[0]}-{Guid.NewGuid():N}.json");
        await using var process = new ChildProcess(Binaries.Benchmarks, [.. args, "--json", json], redirectInput: false);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(limitSeconds));
        return new LoadRun(json, exitCode, process.StdOut, process.StdErr);
    }

    /// <summary>The figures, after asserting that the run succeeded (with its output in the failure).</summary>
    public JsonElement Figures()
    {
        Assert.True(ExitCode == 0, $"exit {ExitCode}\n{StdOut}\n{StdErr}");
        return JsonDocument.Parse(File.ReadAllText(_json)).RootElement;
    }

    /// <summary>Every "pid N" the run named on stderr (at least <paramref name="atLeast"/>) has exited.</summary>
    public void AssertStoppedWhatItStarted(int atLeast)
    {
        var pids = Regex.Matches(StdErr, @"pid (\d+)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(pids.Count >= atLeast, StdErr);
        foreach (var pid in pids)
            Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "), $"process {pid} still running");
    }

    public void Dispose() => File.Delete(_json);
}
