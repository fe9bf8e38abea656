using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>A session's <see cref="ReplyCounter"/> in a cluster: serverSeq from this node's leased ranges
/// (<see cref="SeqRanges"/>), no hop to the registry; with none left it says <see cref="Counting.NotYet"/> and the
/// session waits for <see cref="NumbersReady"/>.</summary>
internal sealed class LeasedCounter(SeqRanges ranges, IActorRef registry) : ReplyCounter
{
    private volatile bool _lost;

    /// <summary>The name was granted to another node (the registry's thread sets it): the session ends at its next reply.</summary>
    public void Lose() => _lost = true;

    protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
    {
        if (_lost) return Counting.Lost;
        var taken = ranges.TryTake(seqs, out var leaseAhead);
        if (leaseAhead) registry.Tell(LeaseAhead.Instance);
        return taken ? Counting.Counted : Counting.NotYet;
    }
}

/// <summary>Session → registry (local only): the leased numbers run low; lease the next range now.</summary>
public sealed record LeaseAhead
{
    public static readonly LeaseAhead Instance = new();
}
