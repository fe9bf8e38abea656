using System.Text.Json;
using Switchboard.Tests.Support;

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
        await using var process = new ChildProcess(Binaries.Benchmarks, ["load", "--clients", "2", "--seconds", "2", "--warmup", "1", "--json", json], redirectInput: false);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"exit {exitCode}\n{process.StdOut}\n{process.StdErr}");

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
            Assert.Contains("| clients |", process.StdOut);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
