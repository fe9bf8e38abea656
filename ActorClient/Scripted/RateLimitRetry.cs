namespace Switchboard.Client.Scripted;

/// <summary>
/// Scripted mode's answer to a 429 for the client's own rate limit: the server names when a request would be served
/// (<see cref="Reply.RetryAfterMs"/>), so the command is sent again after exactly that wait, at most
/// <paramref name="maxRetries"/> times and <paramref name="maxWait"/> of waiting in all; past either, or told to wait
/// longer than what is left, the 429 is the answer, as it is for every 429 without a retry-after (another kind, which
/// waiting would not cure, or a server from before it). Waiting what the server said, never less, keeps the client
/// out of the server's flood rule (past a burst of 429s in a row it stops answering). Pipelined, new commands wait
/// while a refused one waits to be sent again (<see cref="Clear"/>), so they do not overtake it.
/// </summary>
public sealed class RateLimitRetry(int maxRetries, TimeSpan maxWait, Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private readonly Func<TimeSpan, CancellationToken, Task> _delay = delay ?? Task.Delay;
    private readonly Lock _gate = new();
    private int _refused;
    private TaskCompletionSource _clear = Cleared();

    /// <summary>Completes when no refused command waits to be sent again.</summary>
    public Task Clear
    {
        get
        {
            lock (_gate) return _clear.Task;
        }
    }

    /// <summary>The wait in milliseconds the server named if <paramref name="reply"/> is a 429 worth sending again; else 0.</summary>
    public static long RetryAfterMs(IReply reply) => reply is Reply { Code: Codes.RateLimited, RetryAfterMs: > 0 } r ? r.RetryAfterMs : 0;

    /// <summary>The wait <paramref name="reply"/> names if it is a 429 worth sending again; else null. A server's int64
    /// past what a <see cref="TimeSpan"/> holds is <see cref="TimeSpan.MaxValue"/>: a wait past any bound, not an
    /// exception (a hostile or broken server's value would have ended the command, or a catch-up, with one).</summary>
    public static TimeSpan? RetryAfter(IReply reply) => RetryAfterMs(reply) switch
    {
        <= 0 => null,
        > MaxWaitMs => TimeSpan.MaxValue,
        var ms => TimeSpan.FromMilliseconds(ms),
    };

    private const long MaxWaitMs = long.MaxValue / TimeSpan.TicksPerMillisecond;

    /// <summary>A command's first answer, as it arrives: a refusal holds back new commands until it is resolved.</summary>
    public IReply Note(IReply first)
    {
        if (RetryAfter(first) is null || maxRetries <= 0) return first;
        lock (_gate)
            if (_refused++ == 0) _clear = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return first;
    }

    /// <summary>Sends a command and answers its final answer.</summary>
    public async Task<IReply> SendAsync(Func<Task<IReply>> send, CancellationToken ct) => await ResolveAsync(Note(await send()), send, ct);

    /// <summary>The final answer to a command whose first answer was <paramref name="first"/> (given to <see cref="Note"/>).</summary>
    public async Task<IReply> ResolveAsync(IReply first, Func<Task<IReply>> send, CancellationToken ct)
    {
        if (RetryAfter(first) is null || maxRetries <= 0) return first;
        try
        {
            var reply = first;
            var waited = TimeSpan.Zero;
            for (var retry = 0; retry < maxRetries && RetryAfter(reply) is { } after && after <= maxWait - waited; retry++)
            {
                try
                {
                    await _delay(after, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                waited += after;
                reply = await send();
            }
            return reply;
        }
        finally
        {
            lock (_gate)
                if (--_refused == 0) _clear.TrySetResult();
        }
    }

    private static TaskCompletionSource Cleared()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
