using System.Diagnostics;
using Xunit.Abstractions;
using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Segment;

/// <summary>Real child processes (Tests.Worker) against one segment: the mutex must exclude across processes, and a
/// holder killed mid-write must never leave a trusted torn slot.</summary>
public class MultiProcessSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_processes_incrementing_under_the_mutex_lose_no_update()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var gate = seg.Path + ".go";
        Process? a = null, b = null;
        try
        {
            a = StartWorker("stress", seg.Name, "100000", gate);
            b = StartWorker("stress", seg.Name, "100000", gate);
            // both runtimes up, segment mapped, waiting at the gate
            Assert.Equal("ready", await a.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20).Scaled()));
            Assert.Equal("ready", await b.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20).Scaled()));
            var sw = Stopwatch.StartNew();
            File.WriteAllBytes(gate, []);
            var outA = a.StandardOutput.ReadToEndAsync();
            var outB = b.StandardOutput.ReadToEndAsync();
            Assert.True(a.WaitForExit(60_000), "worker A did not finish in 60 s");
            Assert.True(b.WaitForExit(60_000), "worker B did not finish in 60 s");
            output.WriteLine($"2 x 100,000 locked increments in {sw.ElapsedMilliseconds} ms");
            Assert.True(a.ExitCode == 0, "worker A: " + a.StandardError.ReadToEnd());
            Assert.True(b.ExitCode == 0, "worker B: " + b.StandardError.ReadToEnd());
            var reports = new[] { (await outA).Trim(), (await outB).Trim() };
            foreach (var r in reports) output.WriteLine(r);
            // the two really ran at the same time: at least one saw the other's increments between its own turns
            Assert.Contains(reports, r => !r.Contains(" 0 turns interleaved"));
            using var map = SegmentMapping.OpenExisting(seg.Path, writable: false);
            Assert.Equal(200_000, SegmentLayout.ReadCounter(map.ReadOnly, SegmentLayout.OffStressCounter));
        }
        finally
        {
            KillQuietly(a);
            KillQuietly(b);
            File.Delete(gate);
        }
    }

    [Fact]
    public async Task A_holder_killed_mid_write_is_survived_and_its_torn_slot_dropped()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var alice = store.Claim("alice");
        var bob = store.Claim("bob");
        Process? child = null;
        try
        {
            child = StartWorker("tear", seg.Name, alice.Slot.Index.ToString());
            var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20).Scaled());
            Assert.True(line == "TORN", $"worker said '{line}': {(child.HasExited ? child.StandardError.ReadToEnd() : "")}");
            child.Kill(); // SIGKILL, while it holds the mutex with alice's slot half written
            Assert.True(child.WaitForExit(10_000));

            // The next holder sees the abandonment (this process had the mutex open), validates, drops the torn slot.
            Assert.False(store.TryCount(alice.Slot, out _));
            Assert.Contains(log.Warnings, w => w.Contains("died inside"));
            Assert.Contains(log.Warnings, w => w.Contains($"slot {alice.Slot.Index}") && w.Contains("torn"));

            // ... and carries on.
            Assert.True(store.TryCount(bob.Slot, out var seq));
            Assert.Equal(2, seq.ClientSeq);
            Assert.False(store.TryFind("alice", out _));
            Assert.Equal(ClaimStatus.Claimed, store.Claim("alice").Status);
            Assert.Equal(["alice", "bob"], store.Snapshot().Clients.Select(c => c.Name));
            foreach (var w in log.Warnings) output.WriteLine(w);
        }
        finally
        {
            KillQuietly(child);
        }
    }
}
