using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Server.Registry;
using Switchboard.Server.Segment;

namespace Switchboard.Tests.Worker;

/// <summary>
/// <c>Tests.Worker count SEGMENT NAME GATE [COUNT]</c>: a node of its own on the segment claims NAME and numbers replies
/// the way a session does (its <see cref="ReplyCounter"/>, without the lock), once GATE exists. With COUNT: that many,
/// then every serverSeq it got, one per line, and "done". Without: forever, each serverSeq printed as soon as it is
/// taken, until it is killed.
/// </summary>
static class LockFreeCount
{
    public static int Run(string segment, string name, string gate, int? count)
    {
        using var store = SharedSegmentStore.Open(segment, $"127.0.0.1:{Environment.ProcessId}", NullLogger.Instance, TimeSpan.FromSeconds(30));
        var claim = store.Claim(name);
        if (claim.Status != ClaimStatus.Claimed) { Console.Error.WriteLine($"claim of {name}: {claim.Status}"); return 1; }
        var counter = store.CounterFor(claim.Slot);
        Console.Out.WriteLine($"ready {claim.Seq.ServerSeq}");
        Console.Out.Flush();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(gate) && DateTime.UtcNow < deadline) Thread.Sleep(1);
        var seq = new SeqPair[1];
        if (count is null)
        {
            for (var clientSeq = 2L; ; clientSeq++)
            {
                if (counter.TryCount(seq) != Counting.Counted || seq[0].ClientSeq != clientSeq) return 3;
                Console.Out.WriteLine(seq[0].ServerSeq);
                Console.Out.Flush();
            }
        }
        var got = new long[count.Value];
        for (var i = 0; i < got.Length; i++)
        {
            if (counter.TryCount(seq) != Counting.Counted || seq[0].ClientSeq != i + 2) return 3;
            got[i] = seq[0].ServerSeq;
        }
        Console.Out.WriteLine(string.Join('\n', got));
        Console.Out.WriteLine("done");
        return 0;
    }
}
