namespace Switchboard.Server.Monitoring;

/// <summary>
/// Bounds what peers can make a node write: each category logs at most <see cref="PerSecond"/> warnings and errors of
/// Akka's own per second (a refused TLS handshake or message is 1–3 lines, and a stranger can cause thousands a
/// second); the rest are counted and reported in one line when the category next logs. Single-threaded: the log
/// actor owns it.
/// </summary>
public sealed class LogFlood(TimeProvider clock, int perSecond = LogFlood.PerSecond)
{
    public const int PerSecond = 20;

    private readonly Dictionary<string, (long Window, int Lines, long Suppressed)> _categories = new(StringComparer.Ordinal);

    /// <summary>Whether a line of <paramref name="category"/> may be written now; <paramref name="suppressed"/> is how
    /// many were held back since the last one written (to be reported first).</summary>
    public bool Admit(string category, out long suppressed)
    {
        var window = clock.GetTimestamp() / clock.TimestampFrequency;
        var c = _categories.GetValueOrDefault(category);
        if (c.Window != window) c = (window, 0, c.Suppressed);
        suppressed = 0;
        if (c.Lines >= perSecond)
        {
            _categories[category] = (c.Window, c.Lines, c.Suppressed + 1);
            return false;
        }
        suppressed = c.Suppressed;
        // Categories are Akka's components and paths of this node's actors: a bounded set, but prune old ones anyway.
        if (_categories.Count > 4096) _categories.Clear();
        _categories[category] = (c.Window, c.Lines + 1, 0);
        return true;
    }
}
