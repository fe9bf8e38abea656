namespace Switchboard.Tests.Support;

/// <summary>A session's counter over a test store's own locked <see cref="IStateStore.TryCount(SlotHandle, int, out SeqPair)"/>:
/// the same numbers the segment's lock-free counter gives, for stores that are not the segment.</summary>
public sealed class StoreCounter(IStateStore store, SlotHandle slot) : ReplyCounter
{
    protected override Counting TakeServerSeqs(int n, out long first, long requests, Span<SeqPair> seqs)
    {
        first = 0;
        if (!store.TryCount(slot, n, out var last)) return Counting.Lost;
        first = last.ServerSeq - n + 1;
        return Counting.Counted;
    }
}
