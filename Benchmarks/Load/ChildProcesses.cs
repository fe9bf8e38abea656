using System.Collections.Concurrent;
using System.Diagnostics;
using Switchboard.Support;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// A process the load generator started (a server, an echo server, nats-server). From <see cref="Track"/> on, it
/// always ends up stopped: on dispose, on Ctrl-C and at exit (<see cref="Cleanup"/>), and when it never became ready.
/// </summary>
public abstract class ChildProcess : IDisposable
{
    private static readonly ConcurrentDictionary<ChildProcess, byte> Live = new();
    private Process? _process;
    private int _disposed;

    /// <summary>Completed with what the process said when it became ready to serve (its address).</summary>
    protected TaskCompletionSource<string> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last lines of its output, for the error when it fails.</summary>
    protected LineLog Log { get; } = new(limit: 200);

    public int Pid => Started.Id;

    private Process Started => _process ?? throw new InvalidOperationException("the process is not started");

    /// <summary>Records the started process: from here on Ctrl-C and process exit stop it too.</summary>
    protected void Track(Process process)
    {
        _process = process;
        Live[this] = 0;
    }

    /// <summary>Waits for <paramref name="child"/> to be ready and hands <paramref name="ready"/> what it said; disposes it if it
    /// does not become ready in <paramref name="timeout"/>.</summary>
    protected static async Task<T> WhenReadyAsync<T>(T child, TimeSpan timeout, Action<T, string> ready) where T : ChildProcess
    {
        try
        {
            ready(child, await child.Ready.Task.WaitAsync(timeout));
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>Asks the process to stop (<paramref name="force"/>: makes it).</summary>
    protected abstract void Signal(Process process, bool force);

    /// <summary>What is left to clean once the process is gone.</summary>
    protected virtual void AfterExit() { }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || _process is not { } process) return;
        try
        {
            if (!process.HasExited)
            {
                Signal(process, force: false);
                if (!process.WaitForExit(5000)) Signal(process, force: true);
                process.WaitForExit(2000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        finally
        {
            AfterExit();
            process.Dispose();
            Live.TryRemove(this, out _);
        }
    }

    /// <summary>Stops every process still running (Ctrl-C, exit, failure).</summary>
    public static void Cleanup()
    {
        foreach (var p in Live.Keys) p.Dispose();
    }
}

/// <summary>A server (or echo server) process started by the load generator; its segment is deleted with it.</summary>
public sealed class ServerProcess : ChildProcess
{
    public string? Segment { get; }
    public string Address { get; private set; } = "";
    public int Port { get; private set; }

    private ServerProcess(string dll, IEnumerable<string> args, string? segment)
    {
        Segment = segment;
        Track(DotnetProcess.Start(dll, args, redirectInput: true, OnStdout, Log.Add));
    }

    private void OnStdout(string? line)
    {
        if (line is null) { Ready.TrySetException(new InvalidOperationException("server exited before listening: " + StdErr)); return; }
        var at = line.IndexOf("listening on ", StringComparison.Ordinal);
        if (at >= 0) Ready.TrySetResult(line[(at + "listening on ".Length)..].Trim());
    }

    public string StdErr => Log.ToString();

    /// <summary>Starts <paramref name="dll"/> and waits for its <c>listening on akka.tcp://...@HOST:PORT</c> line.</summary>
    public static async Task<ServerProcess> StartAsync(string dll, IEnumerable<string> args, string? segment, TimeSpan timeout) =>
        await WhenReadyAsync(new ServerProcess(dll, args, segment), timeout, (p, address) =>
        {
            p.Address = address;
            p.Port = int.Parse(address[(address.LastIndexOf(':') + 1)..]);
        });

    /// <summary>CPU time (user + system) the process has used so far.</summary>
    public TimeSpan CpuTime() => ProcStats.CpuTime(Pid);

    /// <summary>Peak resident set (VmHWM) so far, in MiB.</summary>
    public double PeakRssMb() => ProcStats.PeakRssMb(Pid);

    /// <summary>Current resident set (VmRSS), in MiB.</summary>
    public double RssMb() => ProcStats.RssMb(Pid);

    // SIGTERM first: a clean shutdown removes the segment itself.
    protected override void Signal(Process process, bool force)
    {
        if (force) process.Kill(entireProcessTree: true);
        else _ = Posix.Kill(process.Id, Posix.SIGTERM);
    }

    protected override void AfterExit()
    {
        if (Segment is null) return;
        foreach (var file in new[] { Segment, Segment + ".lock", Segment + ".key" })
            try { File.Delete(Path.Combine("/dev/shm", file)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Reads a process's CPU time and memory from /proc.</summary>
public static class ProcStats
{
    // USER_HZ: 100 on every Linux the .NET runtime supports.
    private const double TicksPerSecond = 100;

    public static TimeSpan CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // fields after the ")" that ends the command name: state is field 3, utime 14, stime 15
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(rest[11]) + long.Parse(rest[12]);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException) { return TimeSpan.Zero; }
    }

    /// <summary>CPU ticks (1/100 s) of each thread, by thread id, with the thread's name.</summary>
    public static Dictionary<int, (string Name, long Ticks)> Threads(int pid)
    {
        var result = new Dictionary<int, (string, long)>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    var rest = stat[(close + 2)..].Split(' ');
                    result[int.Parse(Path.GetFileName(dir))] = (stat[(open + 1)..close], long.Parse(rest[11]) + long.Parse(rest[12]));
                }
                catch (IOException) { }
            }
        }
        catch (IOException) { }
        return result;
    }

    /// <summary>CPU ms per thread name between two <see cref="Threads"/> samples, busiest first.</summary>
    public static List<(string Name, int Threads, double Ms)> ThreadDelta(
        Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after) =>
        after.Select(kv => (kv.Value.Name, Ticks: kv.Value.Ticks - (before.TryGetValue(kv.Key, out var b) ? b.Ticks : 0)))
            .Where(x => x.Ticks > 0)
            .GroupBy(x => x.Name)
            .Select(g => (g.Key, g.Count(), g.Sum(x => x.Ticks) * 1000 / TicksPerSecond))
            .OrderByDescending(x => x.Item3)
            .ToList();

    /// <summary>Context switches of the process's live threads (<c>voluntary_ctxt_switches</c>: a thread went to sleep).</summary>
    public static (long Voluntary, long Involuntary) ContextSwitches(int pid)
    {
        long voluntary = 0, involuntary = 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(dir, "status")))
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)) voluntary += long.Parse(line.AsSpan(24).Trim());
                        else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal)) involuntary += long.Parse(line.AsSpan(27).Trim());
                }
                catch (IOException) { }
            }
        }
        catch (IOException) { }
        return (voluntary, involuntary);
    }

    public static double PeakRssMb(int pid) => StatusKb(pid, "VmHWM:") / 1024.0;

    public static double RssMb(int pid) => StatusKb(pid, "VmRSS:") / 1024.0;

    private static long StatusKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0]);
        }
        catch (IOException) { }
        return 0;
    }
}
