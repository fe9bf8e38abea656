namespace Switchboard.Server.Registry;

/// <summary>
/// Numbers one registration's replies (clientSeq, serverSeq) where its session runs, so a request never waits for the
/// registry's thread (issue 22): made by the registry's backend when the name is claimed, counted only by that
/// session (one writer), read by the registry for the shutdown summary.
/// </summary>
public abstract class ReplyCounter
{
    private long _requests;

    /// <summary>The client's replies counted after the registration reply (the registration is clientSeq 1).</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Why counting can never work again (the segment cut short), for the 503; set with <see cref="Counting.Broken"/>.</summary>
    public string? Broken { get; protected set; }

    /// <summary>Numbers <c>seqs.Length</c> consecutive replies of this client, all or none.</summary>
    public Counting TryCount(Span<SeqPair> seqs)
    {
        var counted = TakeServerSeqs(seqs, _requests + seqs.Length);
        if (counted != Counting.Counted) return counted;
        var clientSeq = _requests + 2; // the next request's reply: the registration was 1
        for (var i = 0; i < seqs.Length; i++) seqs[i] = seqs[i] with { ClientSeq = clientSeq + i };
        Volatile.Write(ref _requests, _requests + seqs.Length);
        return Counting.Counted;
    }

    /// <summary>Takes a serverSeq number for each of <paramref name="seqs"/> (written into their ServerSeq) and records
    /// <paramref name="requests"/> as the client's new count where others read it.</summary>
    protected abstract Counting TakeServerSeqs(Span<SeqPair> seqs, long requests);
}
