using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Server.Registry;
using Switchboard.Server.Segment;

namespace Switchboard.Benchmarks;

/// <summary>
/// The cost of the segment's work against the bare cross-process mutex round its locked sections sit in: a
/// session's count of a reply takes no lock (atomic adds on the shared words), a registration and maintenance do.
/// </summary>
[MemoryDiagnoser]
public class SegmentBenchmarks
{
    readonly string _segment = "sbbench-" + Guid.NewGuid().ToString("N");
    SharedSegmentStore _store = null!;
    SegmentMutex _mutex = null!;
    ReplyCounter _counter = null!;
    readonly SeqPair[] _one = new SeqPair[1];

    [GlobalSetup]
    public void Setup()
    {
        _store = SharedSegmentStore.Open(_segment, "127.0.0.1:4053", NullLogger.Instance, TimeSpan.FromSeconds(10));
        // a realistic table: 1,000 clients online
        for (var i = 0; i < 1000; i++) _store.Claim("client" + i);
        _counter = _store.CounterFor(_store.Claim("bench").Slot);
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

    [Benchmark(Description = "a session's count of one reply (lock-free)")]
    public long CountOneReply()
    {
        _counter.TryCount(_one);
        return _one[0].ServerSeq;
    }

    [Benchmark(Description = "Maintain (heartbeat, reap, validate 4,096 slots)")]
    public int Maintain() => _store.Maintain();

    [Benchmark(Description = "snapshot read (1,001 clients)")]
    public int SnapshotRead() => _store.Snapshot().Clients.Count;
}
