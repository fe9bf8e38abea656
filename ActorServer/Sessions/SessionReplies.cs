using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Sessions;

/// <summary>
/// A session's counted replies, numbered by its <see cref="ReplyCounter"/> and sent by the session itself on its own
/// thread: a request costs no hop to the registry (issue 22). Order is kept: when the counter has no number yet (a
/// cluster node between leases) the replies wait here, in order, until the registry says numbers are ready.
/// With --debug each reply but an operation's (its request's line says it) is a line with its code; every 503 is told
/// to <paramref name="unavailable"/>.
/// </summary>
internal sealed class SessionReplies(ReplyCounter counter, IActorRef client, IActorRef registry, IActorRef self,
    Monitoring.SwitchboardMetrics? metrics, ILoggingAdapter log, Action<string> end, string name = "",
    Monitoring.UnavailableLog? unavailable = null)
{
    private Queue<Pending>? _waiting;
    private bool _asked;
    // Read once: off, a reply costs this test and nothing else.
    private readonly bool _debug = log.IsDebugEnabled;

    /// <summary>Everything the session sends its client: with no sender. The client knows its session from its
    /// Registered and never reads a reply's sender; a sender costs the session's path written out (a string and its
    /// bytes) on every message here, and read and looked up at the client.</summary>
    public void ToClient(ISwitchboardMessage m) => client.Tell(m, ActorRefs.NoSender);

    /// <summary>The hot path: one number, one message, no allocation but the reply. An operation's: its request's debug
    /// line has said the outcome.</summary>
    public void Reply(long id, OpOutcome o, long started = 0) => Reply(id, o, started, retryAfterMs: 0);

    /// <summary>Any other request's answer: <see cref="Reply(long, OpOutcome, long)"/>, and with --debug a line.</summary>
    public void Answer(long id, OpOutcome o)
    {
        if (_debug) Debug(id, o.Code, o.Error ?? o.Value.ToString());
        Reply(id, o, 0, retryAfterMs: 0);
    }

    /// <summary>A request refused for the client's rate limit (no work done): 429, and when one would be served.</summary>
    public void RateLimited(long id, string error, TimeSpan retryAfter)
    {
        if (_debug) Debug(id, Codes.RateLimited, error);
        Reply(id, new OpOutcome(Codes.RateLimited, OpValue.None, error), 0, (long)retryAfter.TotalMilliseconds);
    }

    private void Debug(long id, int code, string? what) => log.Debug("'{0}' #{1} -> {2} {3}", name, id, code, what);

    private void Reply(long id, OpOutcome o, long started, long retryAfterMs)
    {
        if (o.Code == Codes.Unavailable) unavailable?.Note(name, id, o.Error);
        if (_waiting is null)
        {
            Span<SeqPair> seq = stackalloc SeqPair[1];
            var counted = Count(seq);
            if (counted == Counting.Counted)
            {
                ToClient(new Reply(id, o.Code, seq[0].ClientSeq, seq[0].ServerSeq, o.Value, o.Error, retryAfterMs));
                metrics?.Answered(o.Code, started);
                return;
            }
            if (counted != Counting.NotYet)
            {
                Failed(counted, [id]);
                return;
            }
        }
        WaitForNumber(id, o, retryAfterMs);
    }

    // Apart from Reply: a lambda's captures are allocated where the method starts, so in Reply they cost every reply.
    private void WaitForNumber(long id, OpOutcome o, long retryAfterMs) =>
        Wait(new Pending([id], s => new Reply(id, o.Code, s[0].ClientSeq, s[0].ServerSeq, o.Value, o.Error, retryAfterMs), o.Code));

    /// <summary>A request batch's answers, numbered together and sent as one message.</summary>
    public void Batch(Answered[] answered) =>
        Send(new Pending(Array.ConvertAll(answered, a => a.Id), s =>
        {
            var replies = new Reply[answered.Length];
            for (var i = 0; i < replies.Length; i++)
            {
                var (id, o) = answered[i];
                replies[i] = new Reply(id, o.Code, s[i].ClientSeq, s[i].ServerSeq, o.Value, o.Error);
            }
            return new ReplyBatch(replies);
        }, Codes.Ok, answered));

    public void Who(long id, PresenceEntry[] clients, int more)
    {
        if (_debug) Debug(id, Codes.Ok, $"{clients.Length + more} client(s)");
        Send(new Pending([id], s => new WhoReply(id, Codes.Ok, s[0].ClientSeq, s[0].ServerSeq, clients, null, more), Codes.Ok));
    }

    public void Rooms(long id, RoomEntry[] rooms)
    {
        if (_debug) Debug(id, Codes.Ok, $"{rooms.Length} room(s)");
        Send(new Pending([id], s => new RoomsReply(id, Codes.Ok, s[0].ClientSeq, s[0].ServerSeq, rooms, null), Codes.Ok));
    }

    public void History(long id, string conversation, ChatLine[] lines, long trimmed, long lastId)
    {
        if (_debug) Debug(id, Codes.Ok, $"{lines.Length} line(s) of {conversation}");
        Send(new Pending([id], s => new HistoryReply(id, Codes.Ok, s[0].ClientSeq, s[0].ServerSeq, conversation, lines, trimmed, lastId, null), Codes.Ok));
    }

    /// <summary>The unregister reply, numbered, after <paramref name="release"/> reached the registry: a client that
    /// registers again as soon as it has the reply finds the name free. The name is no longer the client's whether or
    /// not the reply could be numbered. Replies still waiting for numbers are answered 503 first, in order: the
    /// session stops with this reply.</summary>
    public void Unregistered(long id, ReleaseName release)
    {
        while (_waiting?.TryDequeue(out var held) == true) Failed(Counting.Failed, held.Ids);
        _waiting = null;
        Span<SeqPair> seq = stackalloc SeqPair[1];
        if (Count(seq) != Counting.Counted) seq[0] = default;
        registry.Tell(release, self);
        if (_debug) Debug(id, Codes.Ok, RegistryText.Unregistered);
        ToClient(new Reply(id, Codes.Ok, seq[0].ClientSeq, seq[0].ServerSeq, OpValue.Of(RegistryText.Unregistered), null));
        metrics?.Answered(Codes.Ok);
    }

    /// <summary>The registry's <see cref="NumbersReady"/>: what waited is numbered and sent, in order.</summary>
    public void NumbersReady()
    {
        _asked = false;
        while (_waiting is { Count: > 0 } waiting)
        {
            if (!TrySend(waiting.Peek())) return;
            waiting.Dequeue();
        }
        _waiting = null;
    }

    private void Send(Pending p)
    {
        if (_waiting is null && TrySend(p)) return;
        Wait(p);
    }

    // False: no number yet (the reply must wait); true: sent, or answered with the failure.
    private bool TrySend(Pending p)
    {
        var n = p.Ids.Length;
        Span<SeqPair> seqs = n <= Limits.MaxBatch ? stackalloc SeqPair[n] : new SeqPair[n];
        var counted = Count(seqs);
        switch (counted)
        {
            case Counting.Counted:
                ToClient(p.Build(seqs));
                if (p.Batch is null) metrics?.Answered(p.Code);
                else foreach (var a in p.Batch) metrics?.Answered(a.Outcome.Code);
                return true;
            case Counting.NotYet:
                return false;
            default:
                Failed(counted, p.Ids);
                return true;
        }
    }

    // Whatever the counter throws costs that reply a 503, never the session.
    private Counting Count(Span<SeqPair> seqs)
    {
        try
        {
            return counter.TryCount(seqs);
        }
        catch (Exception e)
        {
            log.Error(e, "a reply could not be numbered");
            return Counting.Failed;
        }
    }

    private void Wait(Pending p)
    {
        (_waiting ??= new Queue<Pending>()).Enqueue(p);
        if (_asked) return;
        _asked = true;
        registry.Tell(new AwaitNumbers(p.Ids.Length), self);
    }

    // Lost: the name is not this client's any more; the session ends and its client registers again. Broken: the
    // store can never be used again; the registry stops the node. Failed: only these replies.
    private void Failed(Counting counted, long[] ids)
    {
        var error = counted switch
        {
            Counting.Broken => counter.Broken ?? RegistryText.Unavailable,
            Counting.Lost => RegistryText.Lost,
            _ => RegistryText.Unavailable,
        };
        unavailable?.Note(name, ids[0], error);
        foreach (var id in ids)
        {
            if (_debug) Debug(id, Codes.Unavailable, error);
            ToClient(new Reply(id, Codes.Unavailable, 0, 0, OpValue.None, error));
            metrics?.Answered(Codes.Unavailable);
        }
        if (counted == Counting.Broken) registry.Tell(new StoreBroken(error), self);
        else if (counted == Counting.Lost) end("its registration was lost");
    }

    private delegate ISwitchboardMessage Build(ReadOnlySpan<SeqPair> seqs);

    private sealed record Pending(long[] Ids, Build Build, int Code, Answered[]? Batch = null);
}

/// <summary>One answered request of a batch, not yet numbered.</summary>
public readonly record struct Answered(long Id, OpOutcome Outcome);
