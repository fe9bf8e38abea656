using System.Collections.Concurrent;
using System.Diagnostics;
using Switchboard.Support;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// A server (or echo server) process started by the load generator. Always ends up killed and its segment
/// deleted: on dispose, on Ctrl-C and on process exit (<see cref="Cleanup"/>).
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private static readonly ConcurrentDictionary<ServerProcess, byte> Live = new();
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LineLog _stderr = new(limit: 200);
    private int _disposed;

    public string? Segment { get; }
    public int Pid => _process.Id;
    public string Address { get; private set; } = "";
    public int Port { get; private set; }

    private ServerProcess(string dll, IEnumerable<string> args, string? segment)
    {
        Segment = segment;
        _process = DotnetProcess.Start(dll, args, redirectInput: true, OnStdout, _stderr.Add);
        Live[this] = 0; // from here on Ctrl-C and process exit kill it too
    }

    private void OnStdout(string? line)
    {
        if (line is null) { _listening.TrySetException(new InvalidOperationException("server exited before listening: " + StdErr)); return; }
        var at = line.IndexOf("listening on ", StringComparison.Ordinal);
        if (at >= 0) _listening.TrySetResult(line[(at + "listening on ".Length)..].Trim());
    }

    public string StdErr => _stderr.ToString();

    /// <summary>Starts <paramref name="dll"/> and waits for its <c>listening on akka.tcp://...@HOST:PORT</c> line.</summary>
    public static async Task<ServerProcess> StartAsync(string dll, IEnumerable<string> args, string? segment, TimeSpan timeout)
    {
        var p = new ServerProcess(dll, args, segment);
        try
        {
            var address = await p._listening.Task.WaitAsync(timeout);
            p.Address = address;
            p.Port = int.Parse(address[(address.LastIndexOf(':') + 1)..]);
            return p;
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    /// <summary>CPU time (user + system) the process has used so far.</summary>
    public TimeSpan CpuTime() => ProcStats.CpuTime(Pid);

    /// <summary>Peak resident set (VmHWM) so far, in MiB.</summary>
    public double PeakRssMb() => ProcStats.PeakRssMb(Pid);

    /// <summary>Current resident set (VmRSS), in MiB.</summary>
    public double RssMb() => ProcStats.RssMb(Pid);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (!_process.HasExited)
            {
                _ = Posix.Kill(_process.Id, Posix.SIGTERM); // a clean shutdown removes the segment itself
                if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
                _process.WaitForExit(2000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        finally
        {
            if (Segment is not null)
            {
                try { File.Delete(Path.Combine("/dev/shm", Segment)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            _process.Dispose();
            Live.TryRemove(this, out _);
        }
    }

    /// <summary>Kills every process still running and deletes its segment (Ctrl-C, exit, failure).</summary>
    public static void Cleanup()
    {
        foreach (var p in Live.Keys) p.Dispose();
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
