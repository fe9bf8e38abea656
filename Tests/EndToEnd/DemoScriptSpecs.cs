using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// <c>./demo.sh</c>'s start, up to where it would build: a tmux server of its own (a new user's finding: it used the
/// default one, beside the user's sessions) and ports checked first. A <c>tmux</c> and a <c>dotnet</c> of the spec's
/// stand in for the real ones and write down how they were called; nothing is built or started.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class DemoScriptSpecs : IDisposable
{
    private readonly DirectoryInfo _bin = Directory.CreateTempSubdirectory("sb-demo-bin-");

    public DemoScriptSpecs()
    {
        // tmux: no session is running (has-session fails); dotnet: builds nothing.
        Fake("tmux", """echo "$*" >> "$(dirname "$0")/tmux.calls"; [ "$1 $2 $3" != "-L switchboard-demo has-session" ] || exit 1""");
        Fake("dotnet", """echo "$*" >> "$(dirname "$0")/dotnet.calls"; exit 0""");
    }

    public void Dispose() => _bin.Delete(recursive: true);

    [Fact]
    public async Task A_port_given_that_is_taken_is_refused_before_anything_is_built_and_only_its_own_tmux_server_is_asked()
    {
        using var taken = new TcpListener(IPAddress.Loopback, FreePorts.Next());
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, stdout, stderr) = await RunAsync(("DEMO_PORT_A", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(1, code);
        Assert.Contains($"demo.sh: port {port} (DEMO_PORT_A) is taken on 127.0.0.1; give another: DEMO_PORT_A=PORT ./demo.sh", stderr);
        Assert.DoesNotContain("building", stdout);
        Assert.False(File.Exists(Path.Combine(_bin.FullName, "dotnet.calls")));
        Assert.All(File.ReadAllLines(Path.Combine(_bin.FullName, "tmux.calls")), call => Assert.StartsWith("-L switchboard-demo ", call));
    }

    private void Fake(string name, string body)
    {
        var path = Path.Combine(_bin.FullName, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private Task<(int Code, string Stdout, string Stderr)> RunAsync(params (string Name, string? Value)[] environment) =>
        RepoScript.RunAsync("demo.sh", [],
            [("PATH", _bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH")), ("TMUX", null), .. environment]);
}
