using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary><c>inspect</c> as a tool in a pipeline: it ends when its reader does, and <c>--json</c> errors are JSON.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class InspectSpecs
{
    [Theory]
    [InlineData("--watch")]
    [InlineData("--watch --json")]
    public async Task Watch_exits_once_its_output_is_closed(string flags)
    {
        await using var server = await ServerNode.StartAsync();
        using var pipeline = Process.Start(new ProcessStartInfo("bash",
            ["-c", $"dotnet '{Binaries.Server}' inspect --segment {server.Segment} {flags} | head -1; echo \"inspect exit ${{PIPESTATUS[0]}}\""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var output = pipeline.StandardOutput.ReadToEndAsync();
            await pipeline.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled());
            var text = await output;
            Assert.Contains(flags.Contains("json") ? "\"nodes\"" : "nodes of segment", text);
            Assert.Contains("inspect exit 0", text);
        }
        finally
        {
            if (!pipeline.HasExited) pipeline.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Json_errors_are_one_json_object_on_stdout_with_exit_code_1()
    {
        var segment = ServerNode.NewSegmentName();
        await using var inspect = new ChildProcess(Binaries.Server, ["inspect", "--segment", segment, "--json"], redirectInput: false);
        Assert.Equal(1, await inspect.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var error = JsonDocument.Parse(inspect.StdOut.Trim()).RootElement;
        Assert.Contains("does not exist", error.GetProperty("error").GetString());
        Assert.Equal(segment, error.GetProperty("segment").GetString());
    }
}
