using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.Benchmarks;

/// <summary>
/// The load generator runs end to end (a real server process, an echo baseline process, two client
/// ActorSystems) and reports sane figures. Nothing here is about speed.
/// </summary>
public sealed class LoadSmokeSpecs
{
    [Fact]
    public async Task Load_generator_with_two_clients_reports_sane_non_zero_figures()
    {
        var json = Path.Combine(Path.GetTempPath(), $"sbload-smoke-{Guid.NewGuid():N}.json");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { BenchmarksDll(), "load", "--clients", "2", "--seconds", "2", "--warmup", "1", "--json", json })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");

        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var row = Assert.Single(doc.RootElement.GetProperty("results").EnumerateArray());
            Assert.Equal(2, row.GetProperty("clients").GetInt32());
            Assert.True(row.GetProperty("throughput").GetDouble() > 0);
            Assert.Equal(0, row.GetProperty("errors").GetInt64());
            Assert.True(row.GetProperty("p50Ms").GetDouble() > 0);
            Assert.True(row.GetProperty("p99Ms").GetDouble() >= row.GetProperty("p50Ms").GetDouble());
            Assert.True(row.GetProperty("maxMs").GetDouble() >= row.GetProperty("p99Ms").GetDouble());
            Assert.True(row.GetProperty("baselineThroughput").GetDouble() > 0);
            Assert.True(row.GetProperty("ratio").GetDouble() > 0);
            Assert.True(row.GetProperty("serverPeakRssMb").GetDouble() > 0);
            Assert.Contains("| clients |", await stdout);
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static string BenchmarksDll()
    {
        // Tests/bin/<Configuration>/<tfm>/ → <root>/Benchmarks/bin/<Configuration>/<tfm>/Benchmarks.dll
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        for (var d = tfm; d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Switchboard.slnx")))
                return Path.Combine(d.FullName, "Benchmarks", "bin", tfm.Parent!.Name, tfm.Name, "Benchmarks.dll");
        throw new DirectoryNotFoundException("Switchboard.slnx not found above the test assembly");
    }
}
