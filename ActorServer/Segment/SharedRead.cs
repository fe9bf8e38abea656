namespace Switchboard.Server.Segment;

/// <summary>
/// One read shared by every caller for <paramref name="maxAge"/> (and while it runs): scrapes and health checks then
/// cost the actor that answers them at most one message each interval, however often they come.
/// </summary>
public sealed class SharedRead<T>(Func<Task<T>> read, TimeSpan maxAge)
{
    readonly Lock _gate = new();
    Task<T>? _last;
    long _lastAt;

    public Task<T> Get()
    {
        lock (_gate)
        {
            if (_last is not null && (!_last.IsCompleted || System.Diagnostics.Stopwatch.GetElapsedTime(_lastAt) < maxAge)) return _last;
            _lastAt = System.Diagnostics.Stopwatch.GetTimestamp();
            return _last = read();
        }
    }
}
