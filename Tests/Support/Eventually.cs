namespace Switchboard.Tests.Support;

/// <summary>Polls a condition until it holds or the (scaled) bound passes: the one way a spec waits for another process.</summary>
public static class Eventually
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Re-evaluates <paramref name="done"/> until true; <paramref name="what"/> says, on failure, what never happened.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> done, TimeSpan within, Func<string> what)
    {
        var deadline = DateTime.UtcNow + within.Scaled();
        while (!await done())
        {
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"not within {within.Scaled()}: {what()}");
            await Task.Delay(Poll);
        }
    }

    public static Task HoldsAsync(Func<bool> done, TimeSpan within, Func<string> what) =>
        HoldsAsync(() => Task.FromResult(done()), within, what);
}
