using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Server.Segment;

namespace Switchboard.Benchmarks;

/// <summary>
/// The cost of the segment's critical sections against the bare cross-process mutex round they sit in.
/// Target: a locked update (TryCount) within 2x the bare mutex round (take and release, nothing inside).
/// </summary>
[MemoryDiagnoser]
public class SegmentBenchmarks
{
    readonly string _segment = "sbbench-" + Guid.NewGuid().ToString("N");
    SharedSegmentStore _store = null!;
    SegmentMutex _mutex = null!;
    SlotHandle _slot;

    [GlobalSetup]
    public void Setup()
    {
        _store = SharedSegmentStore.Open(_segment, "127.0.0.1:4053", NullLogger.Instance, TimeSpan.FromSeconds(10));
        // a realistic table: 1,000 clients online
        for (var i = 0; i < 1000; i++) _store.Claim("client" + i);
        _slot = _store.Claim("bench").Slot;
        _mutex = new SegmentMutex(_segment, TimeSpan.FromSeconds(10));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _mutex.Dispose();
        _store.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare segment mutex round (Enter+Dispose)")]
    public bool BareMutexRound()
    {
        using var held = _mutex.Enter(); // nothing inside: the cost of the mutex alone
        return !held.Abandoned;
    }

    [Benchmark(Description = "locked update (TryCount)")]
    public long LockedUpdate()
    {
        _store.TryCount(_slot, out var seq);
        return seq.ServerSeq;
    }

    [Benchmark(Description = "Maintain (heartbeat, reap, validate 4,096 slots)")]
    public int Maintain() => _store.Maintain();

    [Benchmark(Description = "snapshot read (1,001 clients)")]
    public int SnapshotRead() => _store.Snapshot().Clients.Count;
}
