using Switchboard.Server.Segment;

namespace Switchboard.Tests.Worker;

/// <summary>
/// <c>Tests.Worker stress SEGMENT COUNT [GATE]</c>: increments the segment's stress counter <c>count</c> times, each
/// under the segment lock. Run from two processes at once, the counter must grow by exactly the sum of the counts; a
/// lost update would prove the lock is not cross-process.
/// </summary>
static class MutexStress
{
    /// <param name="startGate">When given, waits (up to 30 s) until this file exists before the first increment, so that
    /// several processes really run at the same time.</param>
    public static int Run(string segment, int count, string? startGate = null)
    {
        try
        {
            using var map = SegmentMapping.OpenExisting(SegmentMapping.PathFor(segment), writable: true);
            using var mutex = new SegmentMutex(segment, TimeSpan.FromSeconds(30));
            if (startGate is not null) { Console.Out.WriteLine("ready"); Console.Out.Flush(); }
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (startGate is not null && !File.Exists(startGate) && DateTime.UtcNow < deadline) Thread.Sleep(1);
            long last = -1, interleaved = 0;
            if (startGate is not null)
            {
                // Rendezvous: the first locked increment of each worker, then wait until the other has made its own, so
                // the two really run at the same time (an uncontended round is ~50 ns: 100,000 of them fit in the
                // millisecond the other may still be sleeping at the gate).
                using (mutex.Enter())
                    SegmentLayout.WriteWord(map.Span, SegmentLayout.OffStressCounter, SegmentLayout.ReadWord(map.Span, SegmentLayout.OffStressCounter) + 1);
                count--;
                while (DateTime.UtcNow < deadline)
                {
                    using (mutex.Enter())
                        if (SegmentLayout.ReadWord(map.Span, SegmentLayout.OffStressCounter) >= 2) break;
                    Thread.Yield();
                }
            }
            for (var i = 0; i < count; i++)
            {
                SegmentMutex.Scope held; // an abandoned lock is ours all the same
                try { held = mutex.Enter(); }
                catch (TimeoutException)
                {
                    Console.Error.WriteLine($"mutex-stress: timed out waiting for the segment lock after {i} increments");
                    return 1;
                }
                using (held)
                {
                    var seg = map.Span;
                    var v = SegmentLayout.ReadWord(seg, SegmentLayout.OffStressCounter);
                    if (last >= 0 && v != last) interleaved++; // someone else incremented since our last turn
                    SegmentLayout.WriteWord(seg, SegmentLayout.OffStressCounter, v + 1);
                    last = v + 1;
                }
            }
            Console.Out.WriteLine($"mutex-stress: {count} increments, {interleaved} turns interleaved with another process");
            return 0;
        }
        catch (Exception e) when (e is SegmentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mutex-stress: {e.Message}");
            return 1;
        }
    }
}
