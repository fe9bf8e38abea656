namespace Switchboard.Client.Scripted;

/// <summary>
/// Scripted mode sends a command again while the server answers it 429 for this client's rate limit, after a pause
/// that doubles from 50 ms to at most 1 s, <see cref="MaxTries"/> tries in all; then the 429 is the answer. A piped
/// file of commands so runs every command, however fast it is read. Retried rather than paced: the server does not
/// tell a client its rate (each server's configuration has its own), and it did no work for that 429, so sending
/// the command again does it once. Only that 429: the others (a wrong password's penalty, an account limit) are
/// answers. The caller holds its pipeline slot meanwhile, so a window of N still means N requests in flight.
/// </summary>
public sealed class RateLimitRetry(Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    public const int MaxTries = 10;

    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(50), Longest = TimeSpan.FromSeconds(1);
    private readonly Func<TimeSpan, CancellationToken, Task> _delay = delay ?? Task.Delay;

    /// <summary>The pause before try <paramref name="retry"/> + 2.</summary>
    public static TimeSpan Pause(int retry) => TimeSpan.FromTicks(Math.Min(First.Ticks << Math.Min(retry, 8), Longest.Ticks));

    /// <summary>The answer to <paramref name="send"/>'s command; interrupted (<paramref name="ct"/>), the last one.</summary>
    public async Task<IReply> SendAsync(Func<Task<IReply>> send, CancellationToken ct)
    {
        var reply = await send();
        for (var retry = 0; retry < MaxTries - 1 && RateLimitReply.IsRateLimit(reply); retry++)
        {
            try
            {
                await _delay(Pause(retry), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            reply = await send();
        }
        return reply;
    }
}
