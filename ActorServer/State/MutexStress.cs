namespace Switchboard.Server.State;

/// <summary>
/// Hidden diagnostic (<c>ActorServer mutex-stress --segment S --count N</c>): increments the segment's stress counter
/// <paramref name="count"/> times, each under the segment mutex. Run from two processes at once, the counter must grow by
/// exactly the sum of the counts; a lost update would prove the mutex is not cross-process.
/// </summary>
public static class MutexStress
{
    public static int Run(string segment, int count) => Run(segment, count, startGate: null);

    /// <param name="startGate">When given, waits (up to 30 s) until this file exists before the first increment, so that
    /// several processes really run at the same time.</param>
    public static int Run(string segment, int count, string? startGate)
    {
        try
        {
            using var map = SegmentMapping.OpenExisting(SegmentMapping.PathFor(segment), writable: true);
            using var mutex = new Mutex(false, SegmentMapping.MutexName(segment));
            if (startGate is not null) { Console.Out.WriteLine("ready"); Console.Out.Flush(); }
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (startGate is not null && !File.Exists(startGate) && DateTime.UtcNow < deadline) Thread.Sleep(1);
            long last = -1, interleaved = 0;
            for (var i = 0; i < count; i++)
            {
                try
                {
                    if (!mutex.WaitOne(TimeSpan.FromSeconds(30)))
                    {
                        Console.Error.WriteLine($"mutex-stress: timed out waiting for the mutex after {i} increments");
                        return 1;
                    }
                }
                catch (AbandonedMutexException) { /* we own it now */ }
                try
                {
                    var seg = map.Span;
                    var v = SegmentLayout.ReadCounter(seg, SegmentLayout.OffStressCounter);
                    if (last >= 0 && v != last) interleaved++; // someone else incremented since our last turn
                    SegmentLayout.WriteCounter(seg, SegmentLayout.OffStressCounter, v + 1);
                    last = v + 1;
                }
                finally { mutex.ReleaseMutex(); }
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
