using Switchboard.Server.State;
using static Switchboard.Tests.State.StateTestSupport;

namespace Switchboard.Tests.State;

/// <summary>A .NET mutex is reentrant on its own thread, so contention and abandonment are shown from other threads.</summary>
public class SegmentMutexSpecs
{
    [Fact]
    public void It_is_named_for_the_segment_beyond_this_terminal_session()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        Assert.Equal(@"Global\switchboard-" + seg.Name, mutex.Name);
    }

    [Fact]
    public void A_bad_segment_name_is_refused()
    {
        var e = Assert.Throws<SegmentException>(() => new SegmentMutex("../x", MutexTimeout));
        Assert.Equal(SegmentFault.BadName, e.Fault);
    }

    [Fact]
    public void Entering_while_another_thread_holds_it_times_out_with_a_clear_message()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, TimeSpan.FromMilliseconds(50));
        using (new MutexHolder(seg.Name))
        {
            var e = Assert.Throws<TimeoutException>(() => { using var scope = mutex.Enter(); });
            Assert.Contains($"'Global\\switchboard-{seg.Name}'", e.Message);
            Assert.Contains("within 50 ms", e.Message);
            Assert.Contains("another process holds it", e.Message);
        }
        using var after = mutex.Enter(); // released by the holder's scope
        Assert.False(after.Abandoned);
    }

    [Fact]
    public void Disposing_the_scope_releases_it_for_others()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        using (mutex.Enter()) { }
        Assert.False(OnAnotherThread(() =>
        {
            using var other = new SegmentMutex(seg.Name, MutexTimeout);
            using var scope = other.Enter();
            return scope.Abandoned;
        }));
    }

    [Fact]
    public void A_holder_that_exits_without_releasing_is_reported_as_abandoned_once()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout); // open while the holder dies, so the abandonment is seen
        using var holderMutex = new SegmentMutex(seg.Name, MutexTimeout);
        var holder = new Thread(() => holderMutex.Enter()); // and never disposed: the thread exits holding it
        holder.Start();
        holder.Join();

        using (var first = mutex.Enter())
            Assert.True(first.Abandoned);
        using var second = mutex.Enter();
        Assert.False(second.Abandoned);
    }

    static T OnAnotherThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw new InvalidOperationException("the other thread failed", error);
        return result;
    }
}
