namespace Switchboard.Benchmarks.Load;

/// <summary>CPU time (and per-thread CPU with profiling) of a process, summed over measured slices.</summary>
public sealed class CpuMeter(int? pid, bool threads)
{
    private readonly Dictionary<int, (string Name, long Ticks)> _threadTicks = new();
    public double CpuMs { get; private set; }

    public async Task<T> MeasureAsync<T>(Func<Task<T>> slice)
    {
        if (pid is not { } p) return await slice();
        var t0 = threads ? ProcStats.Threads(p) : null;
        var c0 = ProcStats.CpuTime(p);
        var result = await slice();
        CpuMs += (ProcStats.CpuTime(p) - c0).TotalMilliseconds;
        if (t0 is not null)
            foreach (var (tid, (name, ticks)) in ProcStats.Threads(p))
            {
                var delta = ticks - (t0.TryGetValue(tid, out var b) ? b.Ticks : 0);
                _threadTicks[tid] = (name, (_threadTicks.TryGetValue(tid, out var acc) ? acc.Ticks : 0) + delta);
            }
        return result;
    }

    public List<(string Name, int Threads, double Ms)> Threads() =>
        ProcStats.ThreadDelta(new Dictionary<int, (string Name, long Ticks)>(), _threadTicks);
}
