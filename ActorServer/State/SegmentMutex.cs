namespace Switchboard.Server.State;

/// <summary>
/// The named cross-process mutex that guards one segment (<see cref="SegmentMapping.MutexName"/>), and the one way to
/// take it. A .NET mutex is thread-affine, so <see cref="Enter"/> returns a <see langword="ref struct"/> scope: it
/// cannot outlive the synchronous call that took it (no await, no capture), and disposing it releases the mutex on the
/// thread that took it.
/// </summary>
public sealed class SegmentMutex : IDisposable
{
    readonly Mutex _mutex;

    public string Name { get; }
    /// <summary>How long <see cref="Enter"/> waits; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits for ever.</summary>
    public TimeSpan Timeout { get; }

    public SegmentMutex(string segment, TimeSpan timeout)
    {
        Name = SegmentMapping.MutexName(segment);
        Timeout = timeout;
        _mutex = new Mutex(false, Name);
    }

    /// <summary>Takes the mutex, or throws <see cref="TimeoutException"/> after <see cref="Timeout"/>. When the previous
    /// holder died inside, the mutex is still ours and <see cref="Scope.Abandoned"/> says so: what to do about possibly
    /// torn rows is the caller's decision.</summary>
    public Scope Enter()
    {
        bool taken;
        var abandoned = false;
        try { taken = _mutex.WaitOne(Timeout); }
        catch (AbandonedMutexException)
        {
            taken = true; // we own it now
            abandoned = true;
        }
        if (!taken)
            throw new TimeoutException(
                $"could not take the segment mutex '{Name}' within {Timeout.TotalMilliseconds:0} ms: " +
                "another process holds it (a stuck node, or a debugger paused inside it)");
        return new Scope(_mutex, abandoned);
    }

    public void Dispose() => _mutex.Dispose();

    /// <summary>The mutex, held until <see cref="Dispose"/>.</summary>
    public readonly ref struct Scope
    {
        readonly Mutex _mutex;

        internal Scope(Mutex mutex, bool abandoned)
        {
            _mutex = mutex;
            Abandoned = abandoned;
        }

        /// <summary>The previous holder died without releasing: the rows it was writing may be torn.</summary>
        public bool Abandoned { get; }

        public void Dispose() => _mutex.ReleaseMutex();
    }
}
