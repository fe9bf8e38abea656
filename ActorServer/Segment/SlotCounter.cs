namespace Switchboard.Server.Segment;

/// <summary>A session's <see cref="ReplyCounter"/> on the segment: its numbers come from the shared words by atomic
/// adds, without the cross-process lock (<see cref="SharedSegmentStore.CountLockFree"/>).</summary>
internal sealed class SlotCounter(SharedSegmentStore store, SlotHandle slot) : ReplyCounter
{
    protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
    {
        var counted = store.CountLockFree(slot, seqs.Length, requests, out var first, out var broken);
        if (broken is not null) Broken = broken;
        for (var i = 0; counted == Counting.Counted && i < seqs.Length; i++) seqs[i] = seqs[i] with { ServerSeq = first + i };
        return counted;
    }
}
