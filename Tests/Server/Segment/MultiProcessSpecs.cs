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
        // Every round must lose no update; what makes a round prove anything is that the two really overlapped. On a
        // loaded box one worker can make all its increments while the other waits for a core (then both report 0
        // turns interleaved): up to three rounds, of which one must have interleaved.
        var overlapped = false;
        for (var round = 1; round <= 3 && !overlapped; round++)
        {
            using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
                SegmentLayout.WriteWord(map.Span, SegmentLayout.OffStressCounter, 0); // the workers' rendezvous counts from 0
            var reports = await IncrementTogetherAsync(seg, round);
            using (var map = SegmentMapping.OpenExisting(seg.Path, writable: false))
                Assert.Equal(200_000, SegmentLayout.ReadWord(map.ReadOnly, SegmentLayout.OffStressCounter));
            overlapped = reports.Any(r => !r.Contains(" 0 turns interleaved"));
        }
        Assert.True(overlapped, "in three rounds the two workers never ran at the same time");
    }

    // Two workers, 100,000 locked increments each, released together at a gate; their reports.
    private async Task<string[]> IncrementTogetherAsync(TestSegment seg, int round)
    {
        var gate = seg.Path + $".go{round}";
        Process? a = null, b = null;
        try
        {
            a = StartWorker("stress", seg.Name, "100000", gate);
            b = StartWorker("stress", seg.Name, "100000", gate);
            // both runtimes up, segment mapped, waiting at the gate
            Assert.Equal("ready", await a.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled()));
            Assert.Equal("ready", await b.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled()));
            var sw = Stopwatch.StartNew();
            File.WriteAllBytes(gate, []);
            var outA = a.StandardOutput.ReadToEndAsync();
            var outB = b.StandardOutput.ReadToEndAsync();
            Assert.True(a.WaitForExit(60_000), "worker A did not finish in 60 s");
            Assert.True(b.WaitForExit(60_000), "worker B did not finish in 60 s");
            output.WriteLine($"round {round}: 2 x 100,000 locked increments in {sw.ElapsedMilliseconds} ms");
            Assert.True(a.ExitCode == 0, "worker A: " + a.StandardError.ReadToEnd());
            Assert.True(b.ExitCode == 0, "worker B: " + b.StandardError.ReadToEnd());
            var reports = new[] { (await outA).Trim(), (await outB).Trim() };
            foreach (var r in reports) output.WriteLine(r);
            return reports;
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
            var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled());
            Assert.True(line == "TORN", $"worker said '{line}': {(child.HasExited ? child.StandardError.ReadToEnd() : "")}");
            child.Kill(); // SIGKILL, while it holds the mutex with alice's slot half written
            Assert.True(child.WaitForExit(10_000));

            // The next holder (maintenance) sees the abandonment (this process had the mutex open), validates, drops the
            // torn slot: alice's session counts no more.
            store.Maintain();
            Assert.Equal(Counting.Lost, store.CounterFor(alice.Slot).CountOne(out _));
            Assert.Contains(log.Warnings, w => w.Contains("died inside"));
            Assert.Contains(log.Warnings, w => w.Contains($"slot {alice.Slot.Index}") && w.Contains("torn"));

            // ... and carries on.
            Assert.Equal(2, store.CounterFor(bob.Slot).Next().ClientSeq);
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

    [Fact]
    public async Task Two_nodes_numbering_replies_without_the_lock_give_every_serverSeq_once_and_leave_no_gap()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var carol = store.Claim("carol");
        var counter = store.CounterFor(carol.Slot); // this node counts too, on two threads of its own below
        var gate = seg.Path + ".go";
        Process? a = null, b = null;
        try
        {
            a = StartWorker("count", seg.Name, "alice", gate, "30000");
            b = StartWorker("count", seg.Name, "bob", gate, "30000");
            var registrations = new List<long> { carol.Seq.ServerSeq };
            foreach (var p in new[] { a, b })
            {
                var ready = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled());
                Assert.True(ready?.StartsWith("ready ") == true, $"worker said '{ready}'");
                registrations.Add(long.Parse(ready!["ready ".Length..]));
            }
            var outA = a.StandardOutput.ReadToEndAsync();
            var outB = b.StandardOutput.ReadToEndAsync();
            File.WriteAllBytes(gate, []);
            // this node: batches of 3 from one thread while another looks at the segment under the lock (repairs race the adds)
            var here = new List<long>();
            var looking = Task.Run(() => { for (var i = 0; i < 200; i++) store.Maintain(); });
            var batch = new SeqPair[3];
            for (var i = 0; i < 10_000; i++)
            {
                Assert.Equal(Counting.Counted, counter.TryCount(batch));
                here.AddRange(batch.Select(x => x.ServerSeq));
            }
            await looking;
            Assert.True(a.WaitForExit(60_000) && b.WaitForExit(60_000), "a worker did not finish in 60 s");
            Assert.True(a.ExitCode == 0 && b.ExitCode == 0, "worker failed: " + a.StandardError.ReadToEnd() + b.StandardError.ReadToEnd());
            var given = Numbers(await outA).Concat(Numbers(await outB)).Concat(here).Concat(registrations).ToList();
            Assert.Equal(given.Count, given.Distinct().Count()); // no number twice
            var snapshot = store.Snapshot();
            Assert.Equal(given.Count, snapshot.ServerSeq); // and none skipped: 1..serverSeq, every one given
            Assert.Equal(given.Max(), snapshot.ServerSeq);
            Assert.Equal(90_000, snapshot.TotalRequests);
            Assert.Equal(30_000, Assert.Single(snapshot.Clients, c => c.Name == "carol").Requests);
            Assert.DoesNotContain(log.Warnings, w => w.Contains("repaired")); // the looks never mistook an add for damage
            using var map = SegmentMapping.OpenExisting(seg.Path, writable: false);
            Assert.True(SegmentRepair.CountersAreSane(map.ReadOnly, out var detail), detail);
        }
        finally
        {
            KillQuietly(a);
            KillQuietly(b);
            File.Delete(gate);
        }
    }

    [Fact]
    public async Task A_node_killed_while_numbering_replies_leaves_no_duplicate_and_at_most_its_one_number_in_flight_unused()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var gate = seg.Path + ".go";
        Process? a = null, b = null;
        try
        {
            a = StartWorker("count", seg.Name, "alice", gate);
            b = StartWorker("count", seg.Name, "bob", gate);
            var given = new List<long>();
            foreach (var p in new[] { a, b })
            {
                var ready = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled());
                Assert.True(ready?.StartsWith("ready ") == true, $"worker said '{ready}'");
                given.Add(long.Parse(ready!["ready ".Length..]));
            }
            var linesA = new List<long>();
            var linesB = new List<long>();
            var readA = Collect(a, linesA);
            var readB = Collect(b, linesB);
            File.WriteAllBytes(gate, []);
            await WaitFor(() => Count(linesA) >= 2000 && Count(linesB) >= 2000);
            a.Kill(); // SIGKILL: anywhere between its adds, or between an add and its line
            Assert.True(a.WaitForExit(10_000));
            var atKill = Count(linesB);
            await WaitFor(() => Count(linesB) >= atKill + 2000); // the other node goes on
            b.Kill();
            Assert.True(b.WaitForExit(10_000));
            await Task.WhenAll(readA, readB);

            given.AddRange(linesA);
            given.AddRange(linesB);
            Assert.Equal(given.Count, given.Distinct().Count()); // no number twice
            // Both killed: each may have taken one number it never printed (no reply went out with it), no more.
            store.Maintain(); // reaps the dead nodes' clients
            var snapshot = store.Snapshot();
            Assert.InRange(snapshot.ServerSeq - given.Count, 0, 2);
            Assert.Empty(snapshot.Clients);
            using var map = SegmentMapping.OpenExisting(seg.Path, writable: false);
            Assert.True(SegmentRepair.CountersAreSane(map.ReadOnly, out var detail), detail);
            // and numbering goes on past every number given
            var carol = store.Claim("carol");
            Assert.True(carol.Seq.ServerSeq > given.Max());
        }
        finally
        {
            KillQuietly(a);
            KillQuietly(b);
            File.Delete(gate);
        }
    }

    private static IEnumerable<long> Numbers(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l != "done").Select(long.Parse);

    private static int Count(List<long> lines)
    {
        lock (lines) return lines.Count;
    }

    // Every whole line a worker printed; a line cut by the kill is not a number it finished taking and printing.
    private static async Task Collect(Process p, List<long> into)
    {
        while (await p.StandardOutput.ReadLineAsync() is { } line)
            if (long.TryParse(line, out var n))
                lock (into) into.Add(n);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60).Scaled();
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the workers did not get that far in time");
            await Task.Delay(20);
        }
    }
}
