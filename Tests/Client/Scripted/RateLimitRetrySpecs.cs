namespace Switchboard.Tests.Client.Scripted;

/// <summary>Scripted mode sends a command the server refused for the client's rate limit again, after a growing,
/// bounded pause; every other answer, 429s of other kinds too, is the answer at once. Pauses are recorded, not waited.</summary>
public sealed class RateLimitRetrySpecs
{
    private readonly List<TimeSpan> _pauses = [];

    private RateLimitRetry Retry() => new((pause, _) =>
    {
        _pauses.Add(pause);
        return Task.CompletedTask;
    });

    private static Reply Answer(int code, string? error = null) => new(1, code, 0, 0, OpValue.None, error);

    private static Func<Task<IReply>> Answers(params Reply[] answers)
    {
        var next = 0;
        return () => Task.FromResult<IReply>(answers[Math.Min(next++, answers.Length - 1)]);
    }

    [Fact]
    public async Task A_command_refused_for_the_rate_limit_is_sent_again_until_it_is_answered()
    {
        var limited = Answer(Codes.RateLimited, RateLimitReply.Text(200));
        var reply = await Retry().SendAsync(Answers(limited, limited, limited, Answer(Codes.Ok)), CancellationToken.None);
        Assert.Equal(Codes.Ok, reply.Code);
        Assert.Equal([50, 100, 200], _pauses.Select(p => p.TotalMilliseconds));
    }

    [Fact]
    public async Task The_pause_doubles_to_a_second_and_after_ten_tries_the_429_is_the_answer()
    {
        var sent = 0;
        var limited = Answer(Codes.RateLimited, RateLimitReply.Text(200));
        var reply = await Retry().SendAsync(() =>
        {
            sent++;
            return Task.FromResult<IReply>(limited);
        }, CancellationToken.None);
        Assert.Same(limited, reply);
        Assert.Equal(RateLimitRetry.MaxTries, sent);
        Assert.Equal([50, 100, 200, 400, 800, 1000, 1000, 1000, 1000], _pauses.Select(p => p.TotalMilliseconds));
    }

    [Theory]
    [InlineData("too many wrong passwords for 'alice'; try again in 30 s")]
    [InlineData("too many account changes right now; try again shortly")]
    [InlineData("bob is not keeping up; message dropped")]
    [InlineData(null)]
    public async Task Any_other_429_is_the_answer_at_once(string? error)
    {
        var reply = await Retry().SendAsync(Answers(Answer(Codes.RateLimited, error), Answer(Codes.Ok)), CancellationToken.None);
        Assert.Equal(Codes.RateLimited, reply.Code);
        Assert.Empty(_pauses);
    }

    [Fact]
    public async Task Interrupted_during_a_pause_the_last_429_is_the_answer()
    {
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();
        var retry = new RateLimitRetry(Task.Delay);
        var reply = await retry.SendAsync(Answers(Answer(Codes.RateLimited, RateLimitReply.Text(200)), Answer(Codes.Ok)), interrupted.Token);
        Assert.Equal(Codes.RateLimited, reply.Code);
    }
}
