namespace Switchboard.Tests.Support;

/// <summary>A session's counter over a test store's own locked <see cref="IStateStore.TryCount(SlotHandle, int, out SeqPair)"/>:
/// the same numbers the segment's lock-free counter gives, for stores that are not the segment.</summary>
public sealed class StoreCounter(IStateStore store, SlotHandle slot) : ReplyCounter
{
    protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
    {
        if (!store.TryCount(slot, seqs.Length, out var last)) return Counting.Lost;
        for (var i = 0; i < seqs.Length; i++) seqs[i] = seqs[i] with { ServerSeq = last.ServerSeq - seqs.Length + 1 + i };
        return Counting.Counted;
    }
}
