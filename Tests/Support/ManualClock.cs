namespace Switchboard.Tests.Support;

/// <summary>A clock that moves only when a spec says so: rate limits and retention are then specified, not measured.
/// Its wall-clock time starts at <paramref name="start"/> (the Unix epoch by default) and moves with it.</summary>
public sealed class ManualClock(DateTimeOffset? start = null) : TimeProvider
{
    private readonly DateTimeOffset _start = start ?? DateTimeOffset.UnixEpoch;
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => _start.AddTicks(Interlocked.Read(ref _ticks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
