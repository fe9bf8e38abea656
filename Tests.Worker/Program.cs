using Switchboard.Server.Segment;
using Switchboard.Tests.Worker;

// Child process for the multi-process State specs.
//   stress SEGMENT COUNT [GATE]  increments the segment's stress counter COUNT times under the segment lock
//                          (after the file GATE appears, so that several workers start together)
//   count SEGMENT NAME GATE [COUNT]  claims NAME and numbers replies as a session does, without the lock (LockFreeCount)
//   tear SEGMENT SLOT      takes the segment lock, half-writes client slot SLOT (seq left odd), prints "TORN", then hangs
//                          holding the lock until it is killed (its holder record left set)
switch (args)
{
    case ["stress", var segment, var count]:
        return MutexStress.Run(segment, int.Parse(count));
    case ["stress", var segment, var count, var gate]:
        return MutexStress.Run(segment, int.Parse(count), gate);
    case ["count", var segment, var name, var gate]:
        return LockFreeCount.Run(segment, name, gate, null);
    case ["count", var segment, var name, var gate, var count]:
        return LockFreeCount.Run(segment, name, gate, int.Parse(count));
    case ["tear", var segment, var slot]:
    {
        using var map = SegmentMapping.OpenExisting(SegmentMapping.PathFor(segment), writable: true);
        var mutex = new SegmentMutex(segment, Timeout.InfiniteTimeSpan);
        using var held = mutex.Enter();
        var row = SegmentLayout.SlotSpan(map.Span, int.Parse(slot));
        SegmentRow.BeginWrite(row);   // seq odd: the write has begun ...
        row[20] ^= 0x5A;                 // ... and half the name is scribbled over
        Console.Out.WriteLine("TORN");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);  // killed here, still holding the lock
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: Tests.Worker stress SEGMENT COUNT | count SEGMENT NAME GATE [COUNT] | tear SEGMENT SLOT");
        return 2;
}
