namespace Switchboard.Server.Security;

/// <summary>
/// What one host (the IP the node saw) may do of something costly: <c>perHour</c> on average, <c>burst</c> at once; 0
/// per hour turns it off. Taken only when done, so what is refused for another reason costs nothing. Memory stays
/// bounded: past <see cref="MaxTracked"/> hosts, those whose budget has refilled are forgotten (a fresh one is the
/// same), then the one with the most left. Pure bookkeeping over an injected clock.
/// </summary>
public sealed class HostBudget(double perHour, double burst, TimeProvider clock)
{
    /// <summary>Hosts remembered for what they spent.</summary>
    public const int MaxTracked = 1024;

    private readonly Dictionary<string, (double Left, long At)> _hosts = new(StringComparer.Ordinal);

    public int Tracked => _hosts.Count;

    /// <summary>Whether <paramref name="host"/> has <paramref name="count"/> left now (those it is still spending included,
    /// taken only once done).</summary>
    public bool CanTake(string host, int count = 1) => perHour <= 0 || Left(host, clock.GetTimestamp()) >= count;

    /// <summary>How long until <paramref name="host"/> has <paramref name="count"/> left (zero when it has).</summary>
    public TimeSpan Until(string host, int count = 1)
    {
        if (perHour <= 0) return TimeSpan.Zero;
        var missing = count - Left(host, clock.GetTimestamp());
        return missing <= 0 ? TimeSpan.Zero : TimeSpan.FromHours(missing / perHour);
    }

    /// <summary><paramref name="host"/> spent one.</summary>
    public void Take(string host)
    {
        if (perHour <= 0) return;
        var now = clock.GetTimestamp();
        var left = Left(host, now) - 1;
        if (!_hosts.ContainsKey(host) && _hosts.Count >= MaxTracked) Forget(now);
        _hosts[host] = (left, now);
    }

    private double Left(string host, long now) =>
        _hosts.TryGetValue(host, out var h) ? Math.Min(burst, h.Left + (now - h.At) / (double)clock.TimestampFrequency * perHour / 3600) : burst;

    private void Forget(long now)
    {
        foreach (var host in _hosts.Keys)
            if (Left(host, now) >= burst) _hosts.Remove(host);
        if (_hosts.Count >= MaxTracked) _hosts.Remove(_hosts.Keys.MaxBy(h => Left(h, now))!);
    }
}
