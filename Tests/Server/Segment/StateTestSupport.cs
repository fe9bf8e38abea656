using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Switchboard.Tests.Server.Segment;

/// <summary>A unique segment name whose /dev/shm file and lock file are removed on dispose, whatever happened.</summary>
public sealed class TestSegment : IDisposable
{
    public string Name { get; } = "sbtest-" + Guid.NewGuid().ToString("N");
    public string Path => SegmentMapping.PathFor(Name);
    public string LockPath => SegmentMapping.LockPathFor(Name);
    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { }
        try { File.Delete(LockPath); } catch (IOException) { }
    }
}

/// <summary>An <see cref="ILogger"/> that keeps what it is told, so specs can assert on warnings.</summary>
public sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
    public IEnumerable<string> Warnings => Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message);
}

/// <summary>Holds a segment's mutex on another thread (a .NET mutex is reentrant on its own thread) until disposed.</summary>
public sealed class MutexHolder : IDisposable
{
    readonly ManualResetEventSlim _held = new();
    readonly ManualResetEventSlim _done = new();
    readonly Thread _thread;
    Exception? _error;

    public MutexHolder(string segment)
    {
        _thread = new Thread(() =>
        {
            try
            {
                using var mutex = new SegmentMutex(segment, StateTestSupport.MutexTimeout);
                using var scope = mutex.Enter();
                _held.Set();
                _done.Wait();
            }
            catch (Exception e)
            {
                _error = e;
                _held.Set();
            }
        });
        _thread.Start();
        _held.Wait();
        if (_error is not null) throw new InvalidOperationException("the holder could not take the mutex", _error);
    }

    public void Dispose()
    {
        _done.Set();
        _thread.Join();
        _held.Dispose();
        _done.Dispose();
    }
}

public static class StateTestSupport
{
    public static readonly TimeSpan MutexTimeout = TimeSpan.FromSeconds(10);

    public static SharedSegmentStore OpenStore(TestSegment seg, string address = "127.0.0.1:4053", ListLogger? log = null) =>
        SharedSegmentStore.Open(seg.Name, address, log ?? new ListLogger(), MutexTimeout);

    /// <summary>A pid that is certainly not running (above the kernel's pid_max).</summary>
    public static int DeadPid()
    {
        var max = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());
        return max + 12345;
    }

    /// <summary>Writes a node row for a process that is gone, and one client slot of it; returns the node row index.</summary>
    public static int AddGhostNode(Span<byte> seg, string clientName, int slotIndex, bool wrongStartTime = false)
    {
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            var row = SegmentLayout.NodeRowSpan(seg, i);
            if (NodeRows.IsUsed(row)) continue;
            var node = wrongStartTime
                ? new NodeRow(Environment.ProcessId, ProcessInfo.CurrentStartTicks + 1, 1, 1, "10.9.9.9:1") // our pid, but another start time
                : new NodeRow(DeadPid(), 42, 1, 1, "10.9.9.9:1");
            NodeRows.Write(row, node);
            ClientSlots.Write(SegmentLayout.SlotSpan(seg, slotIndex), new ClientSlot(i, clientName, 3, 1, 999_999));
            CountClient(seg, token: 999_999, requests: 3);
            return i;
        }
        throw new InvalidOperationException("no free node row");
    }

    /// <summary>Brings the grow-only counters up to what a store would have counted for a client written by hand
    /// (<see cref="SegmentRepair.CountersAreSane"/>): one more registration, its requests, its token issued.</summary>
    public static void CountClient(Span<byte> seg, long token, long requests)
    {
        var registrations = SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRegistrations) + 1;
        var total = SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRequests) + requests;
        SegmentLayout.WriteWord(seg, SegmentLayout.OffTotalRegistrations, registrations);
        SegmentLayout.WriteWord(seg, SegmentLayout.OffTotalRequests, total);
        SegmentLayout.WriteWord(seg, SegmentLayout.OffServerSeq, Math.Max(SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq), total + registrations));
        SegmentLayout.WriteWord(seg, SegmentLayout.OffNextToken, Math.Max(SegmentLayout.ReadWord(seg, SegmentLayout.OffNextToken), token));
    }

    /// <summary>Starts Tests.Worker (built next to Tests.dll) with the given arguments.</summary>
    public static Process StartWorker(params string[] args)
    {
        var dll = System.IO.Path.Combine(AppContext.BaseDirectory, "Tests.Worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Tests.Worker.dll is not next to Tests.dll", dll);
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in ChildProcess.ShortLived) psi.Environment[name] = value;
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start Tests.Worker");
    }

    public static void KillQuietly(Process? p)
    {
        if (p is null) return;
        try { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        p.Dispose();
    }
}
