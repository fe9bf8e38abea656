using Akka.Event;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// Requests a node answers 503, told to its operator: a client's 503 left no line, so an operator could not follow a
/// complaint (a loaded box's first room messages answered "did not answer in time"). The first 503 of a cause (its
/// error text) is a warning at once; the others of that cause are counted and told in one line per
/// <see cref="Interval"/>, so a store failing under 10,000 clients writes a line per cause per interval, not per
/// request. Shared by a node's sessions, each on its own thread: a lock, taken only on a 503. At most
/// <see cref="MaxCauses"/> causes are told apart at once (a cause can name a client); the rest count as one.
/// </summary>
public sealed class UnavailableLog : IDisposable
{
    public const int MaxCauses = 16;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    internal const string OtherCauses = "other causes";

    private readonly ILoggingAdapter _log;
    private readonly TimeProvider _clock;
    private readonly long _interval;
    private readonly Dictionary<string, Cause> _causes = new(StringComparer.Ordinal);
    private readonly ITimer _timer;
    private bool _armed;

    public UnavailableLog(ILoggingAdapter log, TimeProvider clock)
    {
        _log = log;
        _clock = clock;
        _interval = (long)(Interval.TotalSeconds * clock.TimestampFrequency);
        _timer = clock.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Request <paramref name="id"/> of <paramref name="client"/> was answered 503 with <paramref name="error"/>.</summary>
    public void Note(string client, long id, string? error)
    {
        var cause = error ?? "(no reason given)";
        lock (_causes)
        {
            var now = _clock.GetTimestamp();
            if (!_causes.TryGetValue(cause, out var c) && _causes.Count >= MaxCauses)
            {
                cause = OtherCauses;
                _causes.TryGetValue(cause, out c);
            }
            if (c is not null && now < c.Until)
            {
                c.Held++;
                return;
            }
            _causes[cause] = new Cause { Until = now + _interval };
            if (!_armed) _timer.Change(Interval, Interval);
            _armed = true;
            _log.Warning("answered 503 to '{0}' #{1}: {2}{3}{4}", client, id, error ?? "(no reason given)", Hint(error),
                c is { Held: > 0 } ? $" ({c.Held} more before this)" : $"; more for it in the next {Interval.TotalSeconds:0} s are counted in one line");
        }
    }

    /// <summary>Each cause whose interval has passed: what it held back, in one line (and another interval of quiet
    /// for it), or forgotten. The timer's; specs call it after moving their clock.</summary>
    internal void Flush()
    {
        lock (_causes)
        {
            // A timer may fire a little before the interval ends (seen by hand: 4 ms early, and the line waited a whole
            // interval more); a tenth of it early counts as the end.
            var now = _clock.GetTimestamp() + _interval / 10;
            List<string>? done = null;
            foreach (var (cause, c) in _causes)
            {
                if (now < c.Until) continue;
                if (c.Held == 0)
                {
                    (done ??= []).Add(cause);
                    continue;
                }
                _log.Warning("answered 503 to {0} more request(s) in the last {1:0} s: {2}", c.Held, Interval.TotalSeconds, cause);
                c.Held = 0;
                c.Until = c.Until + _interval;
            }
            foreach (var cause in done ?? []) _causes.Remove(cause);
            if (_causes.Count == 0 && _armed)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _armed = false;
            }
        }
    }

    // What the operator can look at, where the client's words do not say it.
    private static string Hint(string? error) => error == History.HistoryText.NoAnswer
        ? " [the history store did not answer within switchboard.history.timeout: a loaded machine, a slow disk " +
          "(switchboard_store_write_duration_seconds) or many conversations read back at once after a start]"
        : "";

    public void Dispose() => _timer.Dispose();

    private sealed class Cause
    {
        public long Until;
        public long Held;
    }
}
