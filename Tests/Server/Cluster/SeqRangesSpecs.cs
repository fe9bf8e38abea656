namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// A cluster node's serverSeq ranges (<see cref="SeqRanges"/>): <c>Last</c> is the last number this node gave, the
/// <c>totals.serverSeq</c> of its <c>/status</c>. A new operator's finding: a third node that had leased 2001..3000 and
/// served nobody said 2000, a number another node gave.
/// </summary>
public sealed class SeqRangesSpecs
{
    [Fact]
    public void Last_is_zero_until_a_number_is_given_even_with_a_range_leased()
    {
        var seq = new SeqRanges(lease: 1000);
        seq.Leased(2001, 1000);

        Assert.Equal(0, seq.Last);
        Assert.True(seq.TryNext(out var first));
        Assert.Equal((2001L, 2001L), (first, seq.Last));
    }

    [Fact]
    public void Last_stays_the_last_number_given_when_the_range_in_use_is_spent_and_the_next_one_is_elsewhere()
    {
        var seq = new SeqRanges(lease: 2);
        seq.Leased(1, 2);
        Assert.True(seq.TryNext(out _));
        Assert.True(seq.TryNext(out var second));
        seq.Leased(5001, 2);

        Assert.Equal((2L, 2L), (second, seq.Last));
        Span<SeqPair> batch = stackalloc SeqPair[1];
        Assert.True(seq.TryTake(batch, out _));
        Assert.Equal((5001L, 5001L), (batch[0].ServerSeq, seq.Last));
    }
}
