namespace Switchboard.Tests.Client.Scripted;

/// <summary>Scripted mode sends a command the server refused for the client's rate limit again, after exactly the wait
/// the server named (its retry-after), within a bound; every other answer, a 429 without a retry-after too (another kind,
/// or a server that does not send one), is the answer at once. Waits are recorded, not waited.</summary>
public sealed class RateLimitRetrySpecs
{
    private readonly List<TimeSpan> _waits = [];

    private RateLimitRetry Retry(int retries = 10, int waitMs = 10_000) => new(retries, TimeSpan.FromMilliseconds(waitMs), (wait, _) =>
    {
        _waits.Add(wait);
        return Task.CompletedTask;
    });

    private static Reply Limited(long retryAfterMs) => new(1, Codes.RateLimited, 2, 2, OpValue.None, "rate limit exceeded (200/s)", retryAfterMs);

    private static readonly Reply Served = new(1, Codes.Ok, 3, 3, OpValue.Of("odd"), null);

    private int _sent;

    private Func<Task<IReply>> Answers(params IReply[] answers) =>
        () => Task.FromResult(answers[Math.Min(_sent++, answers.Length - 1)]);

    [Fact]
    public async Task A_command_refused_with_a_retry_after_is_sent_again_after_that_wait_until_it_is_served()
    {
        var reply = await Retry().SendAsync(Answers(Limited(5), Limited(3), Served), CancellationToken.None);
        Assert.Same(Served, reply);
        Assert.Equal([5d, 3d], _waits.Select(w => w.TotalMilliseconds));
        Assert.Equal(3, _sent);
    }

    [Theory]
    [InlineData(null)] // a server from before retry-after: its 429 says nothing of when
    [InlineData("bob is not keeping up; message dropped")]
    [InlineData("too many wrong passwords for 'alice'; try again in 30 s")]
    public async Task A_429_without_a_retry_after_is_the_answer_at_once(string? error)
    {
        var refused = new Reply(1, Codes.RateLimited, 2, 2, OpValue.None, error ?? "rate limit exceeded (200/s)");
        var reply = await Retry().SendAsync(Answers(refused, Served), CancellationToken.None);
        Assert.Same(refused, reply);
        Assert.Empty(_waits);
        Assert.Equal(1, _sent);
    }

    [Fact]
    public async Task After_the_last_retry_the_429_is_the_answer()
    {
        var last = Limited(5);
        var reply = await Retry(retries: 3).SendAsync(Answers(Limited(5), Limited(5), Limited(5), last, Served), CancellationToken.None);
        Assert.Same(last, reply);
        Assert.Equal(4, _sent);
        Assert.Equal(3, _waits.Count);
    }

    // A retry-after past what a TimeSpan holds (a hostile or broken server's int64) is a wait past the bound: the 429 is
    // the answer, not an exception out of the script's command (hostile tester hC).
    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MaxValue / 10_000 + 1)]
    public async Task A_retry_after_past_any_wait_is_the_answer_at_once(long retryAfterMs)
    {
        var refused = Limited(retryAfterMs);
        var reply = await Retry().SendAsync(Answers(refused, Served), CancellationToken.None);
        Assert.Same(refused, reply);
        Assert.Empty(_waits);
        Assert.Equal(1, _sent);
    }

    [Fact]
    public async Task A_wait_past_what_is_left_of_the_bound_is_not_begun_the_429_is_the_answer_at_once()
    {
        // 1,000 s to the next token (a server of 0.001 a second): nobody's script should hang on it silently.
        var far = Limited(1_000_000);
        Assert.Same(far, await Retry(waitMs: 10_000).SendAsync(Answers(far, Served), CancellationToken.None));
        Assert.Empty(_waits);

        // The bound is the total: 6 s waited, 5 more would pass 10.
        _sent = 0;
        var second = Limited(5_000);
        Assert.Same(second, await Retry(waitMs: 10_000).SendAsync(Answers(Limited(6_000), second, Served), CancellationToken.None));
        Assert.Equal([6000d], _waits.Select(w => w.TotalMilliseconds));
    }

    [Fact]
    public async Task Interrupted_during_a_wait_the_429_is_the_answer()
    {
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();
        var retry = new RateLimitRetry(10, TimeSpan.FromSeconds(10), Task.Delay);
        var reply = await retry.SendAsync(Answers(Limited(5_000), Served), interrupted.Token);
        Assert.Equal(Codes.RateLimited, reply.Code);
        Assert.Equal(1, _sent);
    }

    [Fact]
    public async Task New_commands_wait_while_a_refused_one_waits_to_be_sent_again()
    {
        // Pipelined mode: a command refused with a retry-after holds back the lines after it until it is resolved, so
        // they do not overtake it (nor pile more refusals onto the server's count of them).
        var resend = new TaskCompletionSource<IReply>();
        var retry = new RateLimitRetry(10, TimeSpan.FromSeconds(10), (_, _) => Task.CompletedTask);
        Assert.True(retry.Clear.IsCompleted);
        var first = Limited(5);
        retry.Note(first);
        Assert.False(retry.Clear.IsCompleted);
        var resolving = retry.ResolveAsync(first, () => resend.Task, CancellationToken.None);
        Assert.False(retry.Clear.IsCompleted);
        resend.SetResult(Served);
        Assert.Same(Served, await resolving);
        Assert.True(retry.Clear.IsCompleted);

        // An answer that is not a refusal with a retry-after holds nothing back.
        retry.Note(Served);
        Assert.True(retry.Clear.IsCompleted);
    }
}
