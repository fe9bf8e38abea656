using System.Diagnostics;
using System.Text;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary>
/// Colour in the log only where a person reads it: when stderr itself is a terminal and NO_COLOR is not set. A real
/// server under <c>script(1)</c>, which gives it a terminal; its stderr to a file (<c>2&gt;&gt;server.err</c> typed at a
/// terminal, or <c>2&gt; &gt;(tee F &gt;&amp;2)</c> as demo.sh does) or to the terminal.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LogColourSpecs : IDisposable
{
    // A colour (SGR) sequence, not any escape: .NET sets the terminal's keypad mode (ESC [ ? 1 h) on a terminal.
    private static readonly System.Text.RegularExpressions.Regex Colour = new(@"\u001b\[[0-9;]*m");
    private readonly string _dir = Directory.CreateTempSubdirectory("sbcolour-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(true, false, false)]  // stdout a terminal, stderr a file: the case that coloured log files
    [InlineData(false, true, false)]  // both on the terminal, NO_COLOR=1
    [InlineData(false, false, true)]  // both on the terminal: coloured, as before
    public async Task The_log_is_coloured_only_when_stderr_is_a_terminal_and_NO_COLOR_is_not_set(bool stderrToFile, bool noColor, bool coloured)
    {
        var errFile = Path.Combine(_dir, "server.err");
        var segment = ServerNode.NewSegmentName();
        var pidFile = Path.Combine(_dir, "server.pid");
        var server = $"echo $$ > {Quote(pidFile)}; exec env dotnet {Quote(Binaries.Server)} --port 0 --segment {segment} --data {Quote(Path.Combine(_dir, "data"))}"
            + (stderrToFile ? $" 2>>{Quote(errFile)}" : "");
        var psi = new ProcessStartInfo("script", ["-qfec", server, "/dev/null"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["XDG_DATA_HOME"] = DotnetProcess.ChildDataHome;
        psi.Environment["TERM"] = "xterm";
        psi.Environment.Remove("NO_COLOR");
        if (noColor) psi.Environment["NO_COLOR"] = "1";
        using var script = Process.Start(psi)!;
        var terminal = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await script.StandardOutput.ReadAsync(buffer)) > 0) lock (terminal) terminal.Append(buffer, 0, n);
        });
        string Log() => stderrToFile ? (File.Exists(errFile) ? File.ReadAllText(errFile) : "") : Terminal();
        string Terminal() { lock (terminal) return terminal.ToString(); }
        try
        {
            // Up and logging ("gateway up"), and "listening on" on stdout, the terminal in every case.
            // A server's start, as ServerNode allows it.
            await Eventually.HoldsAsync(() => Log().Contains("gateway up") && Terminal().Contains("listening on"), TimeSpan.FromSeconds(60),
                () => $"not up; terminal: {Terminal()}");
            Assert.Equal(coloured, Colour.IsMatch(Log()));
        }
        finally
        {
            // SIGTERM to the server itself (the shell exec'd it): it shuts down cleanly, removes its segment, and script ends.
            var pid = File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var p) ? p : 0;
            if (pid > 0) _ = Posix.Kill(pid, Posix.SIGTERM);
            try
            {
                using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60).Scaled());
                await script.WaitForExitAsync(stopped.Token);
            }
            finally
            {
                // Not stopped in time (or never started): nothing of it may outlive the spec, its segment included.
                if (!script.HasExited)
                {
                    if (pid > 0) _ = Posix.Kill(pid, Posix.SIGKILL);
                    script.Kill(entireProcessTree: true);
                }
                SegmentFiles.Remove(segment);
            }
            await reading;
        }
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
}
