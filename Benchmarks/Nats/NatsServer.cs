using System.Collections.Concurrent;
using System.Diagnostics;
using Switchboard.Support;

namespace Switchboard.Benchmarks.Nats;

/// <summary>
/// A <c>nats-server</c> on 127.0.0.1 at a port it picks itself, in its own process group (through
/// setsid), killed with its group on dispose, on Ctrl-C and at exit (<see cref="Cleanup"/>).
/// </summary>
public sealed class NatsServer : IDisposable
{
    private static readonly ConcurrentDictionary<NatsServer, byte> Live = new();
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LineLog _log = new(limit: 200);
    private int _disposed;

    public string Url { get; private set; } = "";
    public int Pid => _process.Id;

    private NatsServer()
    {
        // setsid execs nats-server in place (same pid) as the leader of a new process group.
        var psi = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "nats-server", "-a", "127.0.0.1", "-p", "-1", "--no_advertise" }) psi.ArgumentList.Add(a);
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("nats-server exited: " + _log));
        _process.Start();
        Live[this] = 0;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        _log.Add(line);
        const string marker = "Listening for client connections on ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0) _ready.TrySetResult("nats://" + line[(at + marker.Length)..].Trim());
    }

    /// <summary>Whether <c>nats-server</c> is on PATH.</summary>
    public static bool Installed() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, "nats-server")));

    public static async Task<NatsServer> StartAsync(TimeSpan timeout)
    {
        if (!Installed()) throw new InvalidOperationException("nats-server is not on PATH (Debian: apt-get install -y nats-server)");
        var s = new NatsServer();
        try
        {
            s.Url = await s._ready.Task.WaitAsync(timeout);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (!_process.HasExited)
            {
                _ = Posix.Kill(-_process.Id, Posix.SIGTERM); // the whole group
                if (!_process.WaitForExit(5000)) _ = Posix.Kill(-_process.Id, Posix.SIGKILL);
                _process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException) { }
        finally
        {
            _process.Dispose();
            Live.TryRemove(this, out _);
        }
    }

    public static void Cleanup()
    {
        foreach (var s in Live.Keys) s.Dispose();
    }
}
