namespace Switchboard.Tests.Support;

/// <summary>A session's counting one reply at a time, for specs that number replies as a session does.</summary>
public static class CounterSteps
{
    /// <summary>Numbers one reply.</summary>
    public static Counting CountOne(this ReplyCounter counter, out SeqPair seq)
    {
        Span<SeqPair> one = stackalloc SeqPair[1];
        var counted = counter.TryCount(one);
        seq = one[0];
        return counted;
    }

    /// <summary>Numbers one reply, which must be counted.</summary>
    public static SeqPair Next(this ReplyCounter counter)
    {
        Assert.Equal(Counting.Counted, counter.CountOne(out var seq));
        return seq;
    }

    /// <summary>Numbers <paramref name="n"/> replies as one batch, which must be counted; the last pair.</summary>
    public static SeqPair Batch(this ReplyCounter counter, int n)
    {
        var seqs = new SeqPair[n];
        Assert.Equal(Counting.Counted, counter.TryCount(seqs));
        return seqs[^1];
    }
}
