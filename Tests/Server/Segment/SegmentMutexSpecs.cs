using System.Buffers.Binary;
using System.Diagnostics;
using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Segment;

/// <summary>The segment lock is a flock on a 0600 lock file beside the segment. A flock belongs to an open file
/// description: each <see cref="SegmentMutex"/> has its own, so contention is shown between two instances (as between
/// two processes), and abandonment by a holder that lost its descriptor, or by a forged record of a dead process.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class SegmentMutexSpecs
{
    const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void It_is_a_0600_lock_file_of_this_user_beside_the_segment()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        Assert.Equal($"/dev/shm/{seg.Name}.lock", mutex.Name);
        Assert.Equal(seg.LockPath, mutex.Name);
        Assert.Equal(Mode0600, File.GetUnixFileMode(mutex.Name));
        var st = ProcessInfo.FileStatusOf(mutex.Name);
        Assert.Equal(ProcessInfo.EffectiveUid(), st.Uid);
        Assert.True(st.IsRegularFile);
        Assert.False(st.IsExposed);
        Assert.False(File.Exists($"/tmp/.dotnet/shm/global/switchboard-{seg.Name}")); // no runtime named mutex (0666) any more
    }

    [Fact]
    public void It_is_created_0600_whatever_the_umask_allows()
    {
        // the creation mode is 0600: a umask can only take bits away, and there is none to take for group or other
        using var seg = new TestSegment();
        using (new SegmentMutex(seg.Name, MutexTimeout)) { }
        Assert.Equal(Mode0600, File.GetUnixFileMode(seg.LockPath));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite, "0666")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, "0604")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    public void A_lock_file_open_to_other_users_is_refused(UnixFileMode mode, string octal)
    {
        using var seg = new TestSegment();
        File.WriteAllBytes(seg.LockPath, new byte[64]);
        File.SetUnixFileMode(seg.LockPath, mode);
        var e = Assert.Throws<SegmentException>(() => new SegmentMutex(seg.Name, MutexTimeout));
        Assert.Equal(SegmentFault.NotOwned, e.Fault);
        Assert.Equal($"the segment lock {seg.LockPath} is mode {octal}, open to other users (who may hold it open for ever); " +
                     "refusing it: remove the file, a node recreates it 0600", e.Message);
        Assert.Equal(mode, File.GetUnixFileMode(seg.LockPath)); // left alone: not chmod'ed into looking safe
        // a node refuses to start on it, with the same fault
        Assert.Equal(SegmentFault.NotOwned, Assert.Throws<SegmentException>(() => OpenStore(seg)).Fault);
        Assert.False(File.Exists(seg.Path));
    }

    [Fact]
    public void A_lock_file_of_another_user_is_refused()
    {
        Assert.Equal(0u, ProcessInfo.EffectiveUid()); // root may chown the file to nobody; another user could not
        using var seg = new TestSegment();
        File.WriteAllBytes(seg.LockPath, new byte[64]);
        File.SetUnixFileMode(seg.LockPath, Mode0600);
        Chown(seg.LockPath, "65534");
        var e = Assert.Throws<SegmentException>(() => new SegmentMutex(seg.Name, MutexTimeout));
        Assert.Equal(SegmentFault.NotOwned, e.Fault);
        Assert.Equal($"the segment lock {seg.LockPath} belongs to uid 65534, not to this user (uid 0): another user could hold " +
                     "the segment's lock; refusing it (remove the file)", e.Message);
    }

    [Fact]
    public void A_symbolic_link_in_place_of_the_lock_file_is_not_followed()
    {
        using var seg = new TestSegment();
        var target = seg.Path + ".target";
        try
        {
            File.CreateSymbolicLink(seg.LockPath, target);
            var e = Assert.Throws<SegmentException>(() => new SegmentMutex(seg.Name, MutexTimeout));
            Assert.Equal(SegmentFault.NotOwned, e.Fault);
            Assert.Contains("is a symbolic link", e.Message);
            Assert.False(File.Exists(target)); // O_NOFOLLOW: nothing created through the link
        }
        finally { File.Delete(target); }
    }

    [Fact]
    public void Entering_on_the_thread_that_holds_it_is_an_error_not_a_deadlock()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        using var held = mutex.Enter();
        Assert.Throws<InvalidOperationException>(() => { using var again = mutex.Enter(); });
    }

    [Fact]
    public void Threads_sharing_one_instance_exclude_each_other()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        var inside = 0;
        var overlaps = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                using var held = mutex.Enter();
                if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                Interlocked.Decrement(ref inside);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public void A_bad_segment_name_is_refused()
    {
        var e = Assert.Throws<SegmentException>(() => new SegmentMutex("../x", MutexTimeout));
        Assert.Equal(SegmentFault.BadName, e.Fault);
        // a segment named like another's lock file
        Assert.Equal(SegmentFault.BadName, Assert.Throws<SegmentException>(() => new SegmentMutex("x.lock", MutexTimeout)).Fault);
    }

    [Fact]
    public void Entering_while_another_thread_holds_it_times_out_with_a_clear_message()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, TimeSpan.FromMilliseconds(50));
        using (new MutexHolder(seg.Name))
        {
            var e = Assert.Throws<TimeoutException>(() => { using var scope = mutex.Enter(); });
            Assert.Contains($"could not take the segment lock '{seg.LockPath}'", e.Message);
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
    public void A_holder_that_loses_its_descriptor_without_releasing_is_reported_as_abandoned_once()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        var holderMutex = new SegmentMutex(seg.Name, MutexTimeout);
        var holder = new Thread(() =>
        {
            holderMutex.Enter(); // never disposed: the scope is dropped while held ...
            holderMutex.Dispose(); // ... and the descriptor closed, so the kernel drops the flock, as when a process dies
        });
        holder.Start();
        holder.Join();

        using (var first = mutex.Enter())
        {
            Assert.True(first.Abandoned);
            Assert.Equal(Environment.ProcessId, first.PreviousHolderPid);
        }
        using var second = mutex.Enter();
        Assert.False(second.Abandoned);
    }

    [Fact]
    public void A_holder_record_left_by_a_dead_process_is_reported_as_abandoned_once()
    {
        using var seg = new TestSegment();
        using (new SegmentMutex(seg.Name, MutexTimeout)) { } // creates the lock file
        var record = new byte[64];
        BinaryPrimitives.WriteInt64LittleEndian(record, DeadPid()); // what a holder killed inside leaves
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), 42);
        File.WriteAllBytes(seg.LockPath, record);

        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        using (var first = mutex.Enter())
        {
            Assert.True(first.Abandoned);
            Assert.Equal(DeadPid(), first.PreviousHolderPid);
        }
        using (var second = mutex.Enter())
            Assert.False(second.Abandoned);
        Assert.All(File.ReadAllBytes(seg.LockPath)[..24], b => Assert.Equal(0, b)); // released: the record is clear
    }

    [Fact]
    public void While_held_the_lock_file_records_the_holder()
    {
        using var seg = new TestSegment();
        using var mutex = new SegmentMutex(seg.Name, MutexTimeout);
        using var held = mutex.Enter();
        var record = ReadWithoutFlock(seg.LockPath);
        Assert.Equal(Environment.ProcessId, BinaryPrimitives.ReadInt64LittleEndian(record));
        Assert.Equal((long)ProcessInfo.CurrentStartTicks, BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(8)));
    }

    [Fact]
    public void A_waiter_on_a_lock_file_that_the_last_node_removed_takes_the_new_one()
    {
        using var seg = new TestSegment();
        using var waiter = new SegmentMutex(seg.Name, MutexTimeout); // opened the old file
        using (var remover = new SegmentMutex(seg.Name, MutexTimeout))
        using (var held = remover.Enter())
            remover.RemoveLockFile(held);
        Assert.False(File.Exists(seg.LockPath));
        using var newcomer = new SegmentMutex(seg.Name, TimeSpan.FromMilliseconds(50)); // creates a new file
        using (waiter.Enter()) // finds the removal mark, reopens the path: the same file as the newcomer's
        {
            Assert.True(File.Exists(seg.LockPath));
            Assert.Throws<TimeoutException>(() => { using var both = newcomer.Enter(); });
        }
    }

    /// <summary>A .NET FileStream takes flock(LOCK_SH) on open and fails while the lock is held: read it with cat.</summary>
    static byte[] ReadWithoutFlock(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true })!;
        using var bytes = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(bytes);
        p.WaitForExit();
        return bytes.ToArray();
    }

    static void Chown(string path, string owner)
    {
        using var p = Process.Start(new ProcessStartInfo("chown", [owner, path]) { RedirectStandardError = true })!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "chown: " + p.StandardError.ReadToEnd());
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
