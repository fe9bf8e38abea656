using System.Diagnostics;
using Switchboard.Benchmarks.Load;
using Switchboard.Support;

namespace Switchboard.Benchmarks.Nats;

/// <summary>
/// A <c>nats-server</c> on 127.0.0.1 at a port it picks itself, in its own process group (through
/// setsid), killed with its group on dispose, on Ctrl-C and at exit (<see cref="ChildProcess.Cleanup"/>). With a
/// JetStream directory it runs JetStream (<c>-js</c>) with its file storage there.
/// </summary>
public sealed class NatsServer : ChildProcess
{
    public string Url { get; private set; } = "";

    private NatsServer(string binary, string? jetStreamDir)
    {
        // setsid execs nats-server in place (same pid) as the leader of a new process group.
        var psi = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { binary, "-a", "127.0.0.1", "-p", "-1", "--no_advertise" }) psi.ArgumentList.Add(a);
        if (jetStreamDir is not null) foreach (var a in new[] { "-js", "-sd", jetStreamDir }) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => Ready.TrySetException(new InvalidOperationException("nats-server exited: " + Log));
        process.Start();
        Track(process);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        Log.Add(line);
        const string marker = "Listening for client connections on ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0) Ready.TrySetResult("nats://" + line[(at + marker.Length)..].Trim());
    }

    /// <summary><c>nats-server</c> on PATH, or in /usr/sbin (where Debian puts it, off a user's PATH); null when neither.</summary>
    public static string? Binary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin")
            .Select(d => Path.Combine(d, "nats-server")).FirstOrDefault(File.Exists);

    /// <summary>Starts it; with <paramref name="jetStreamDir"/>, JetStream on with its file storage there.</summary>
    public static async Task<NatsServer> StartAsync(TimeSpan timeout, string? jetStreamDir = null)
    {
        if (Binary() is not { } binary) throw new InvalidOperationException("nats-server is not on PATH (Debian: apt-get install -y nats-server)");
        return await WhenReadyAsync(new NatsServer(binary, jetStreamDir), timeout, (s, url) => s.Url = url);
    }

    // The whole group: nats-server and anything it started.
    protected override void Signal(Process process, bool force) => _ = Posix.Kill(-process.Id, force ? Posix.SIGKILL : Posix.SIGTERM);
}
