namespace Switchboard.Server.Segment;

/// <summary>A session's <see cref="ReplyCounter"/> on the segment: its numbers come from the shared words by atomic
/// adds, without the cross-process lock (<see cref="SharedSegmentStore.CountLockFree"/>).</summary>
internal sealed class SlotCounter(SharedSegmentStore store, SlotHandle slot) : ReplyCounter
{
    protected override Counting TakeServerSeqs(int n, out long first, long requests, Span<SeqPair> seqs)
    {
        var counted = store.CountLockFree(slot, n, requests, out first, out var broken);
        if (broken is not null) Broken = broken;
        return counted;
    }
}
