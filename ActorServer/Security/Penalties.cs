namespace Switchboard.Server.Security;

/// <summary>
/// Growing penalties for failed secrets, per key (a host, a name): after <c>failuresBeforePenalty</c> failures a key
/// waits <c>firstPenalty</c>, then twice as long with each further failure, up to <c>maxPenalty</c>, until a success
/// clears it. Memory stays bounded: past <paramref name="capacity"/> keys (<see cref="MaxTracked"/> unless told), expired
/// penalties are forgotten first, then the one that ends soonest. Pure bookkeeping over an injected clock; the token gate
/// and the account gate share it.
/// </summary>
public sealed class Penalties(int failuresBeforePenalty, TimeSpan firstPenalty, TimeSpan maxPenalty, TimeProvider clock, int capacity = Penalties.MaxTracked)
{
    /// <summary>Keys remembered for their failures, unless a capacity is given.</summary>
    public const int MaxTracked = 1024;

    /// <summary>Keys remembered at most.</summary>
    public int Capacity => capacity;

    private readonly Dictionary<string, (int Failures, long Until)> _failures = new(StringComparer.Ordinal);

    /// <summary>Keys whose failures are remembered.</summary>
    public int Tracked => _failures.Count;

    /// <summary>How long <paramref name="key"/> still waits out a penalty, its secrets refused unevaluated meanwhile (zero
    /// when it does not).</summary>
    public TimeSpan Remaining(string key)
    {
        var now = clock.GetTimestamp();
        return _failures.TryGetValue(key, out var f) && f.Until > now ? TimeSpan.FromSeconds((f.Until - now) / (double)clock.TimestampFrequency) : TimeSpan.Zero;
    }

    /// <summary>"try again in N s", N the whole seconds of <paramref name="wait"/> rounded up: what a refused client is told.</summary>
    public static string TryAgainIn(TimeSpan wait) => $"try again in {Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds))} s";

    public void Succeeded(string key) => _failures.Remove(key);

    public void Failed(string key)
    {
        var now = clock.GetTimestamp();
        var failures = _failures.GetValueOrDefault(key).Failures + 1;
        var until = now;
        if (failures >= failuresBeforePenalty)
        {
            var seconds = Math.Min(firstPenalty.TotalSeconds * Math.Pow(2, failures - failuresBeforePenalty), maxPenalty.TotalSeconds);
            until = now + (long)(seconds * clock.TimestampFrequency);
        }
        if (!_failures.ContainsKey(key) && _failures.Count >= capacity) Forget(now);
        _failures[key] = (failures, until);
    }

    // Expired penalties first; if every one is current, the one that ends soonest.
    private void Forget(long now)
    {
        foreach (var (k, f) in _failures)
            if (f.Until <= now) _failures.Remove(k);
        if (_failures.Count >= capacity) _failures.Remove(_failures.MinBy(kv => kv.Value.Until).Key);
    }
}
