using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Switchboard.Server.Segment;

/// <summary>
/// The cross-process lock that guards one segment, and the one way to take it: an exclusive <c>flock(2)</c> on the lock
/// file beside the segment (<see cref="SegmentMapping.LockPathFor"/>, <c>/dev/shm/&lt;segment&gt;.lock</c>).
///
/// <para>Why not a named .NET <see cref="Mutex"/>: on Linux its <c>Global\</c> name is backed by a file under the
/// runtime's shared-memory folder (<c>/tmp/.dotnet/shm/global/&lt;name&gt;</c>) created mode 0666, so any local user can
/// open and hold it and squat the segment's lock (DESIGN §9). The lock file here is created 0600 with
/// <c>O_NOFOLLOW</c>, and refused (<see cref="SegmentFault.NotOwned"/>) unless it is a regular file of this user with no
/// group/other bits: a file that was ever 0666 may be held open by another user, and chmod would not take that back.</para>
///
/// <para>A flock belongs to an open file description, so each <see cref="SegmentMutex"/> has its own descriptor and
/// serialises its own threads with a monitor; two instances (in one process or two) exclude each other through the
/// kernel. <see cref="Enter"/> takes the lock synchronously and returns a <see langword="ref struct"/> scope that
/// cannot outlive the call that took it; it is not reentrant, and is released by the thread that took it.</para>
///
/// <para>Abandonment: the kernel drops a flock when its holder dies, so the lock itself cannot say so. The holder writes
/// its pid and start ticks into the lock file (mapped, so two plain stores) after taking it and clears them before
/// releasing; a taker that finds the record set knows the previous holder lost the lock without releasing it (it died,
/// or closed its descriptor inside a scope) and reports <see cref="Scope.Abandoned"/>. What really detects a torn write
/// is still each row's sequence/checksum (DESIGN §8): the record only tells the store to validate everything now.</para>
///
/// <para>Removal: the last node unlinks the lock file while holding it (<see cref="RemoveLockFile"/>), after marking it
/// removed; a process that was waiting on the old file sees the mark once it gets the lock and reopens the path, so
/// two holders never sit on two different inodes. (Deleting the file by hand while nodes run defeats this.)</para>
/// </summary>
public sealed class SegmentMutex : IDisposable
{
    // The lock file: 64 bytes, three aligned 8-byte words (never torn): holder pid | holder start ticks | removed.
    const int FileLength = 64;
    const int OffPid = 0, OffStartTicks = 8, OffRemoved = 16;

    readonly object _gate = new(); // one holder thread per descriptor (a second flock on the same one would succeed)
    int _fd = -1;
    MemoryMappedFile? _file;
    MemoryMappedViewAccessor? _view;
    nint _record;
    int _holderThread; // managed thread id of the holder, 0 when free
    volatile bool _disposed;

    /// <summary>The lock file's path.</summary>
    public string Name { get; }
    /// <summary>How long <see cref="Enter"/> waits; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits for ever.</summary>
    public TimeSpan Timeout { get; }

    public SegmentMutex(string segment, TimeSpan timeout)
    {
        Name = SegmentMapping.LockPathFor(segment);
        Timeout = timeout;
        OpenLockFile();
    }

    /// <summary>Takes the lock, or throws <see cref="TimeoutException"/> after <see cref="Timeout"/>. When the previous
    /// holder lost it without releasing (it died inside), the lock is ours all the same and <see cref="Scope.Abandoned"/>
    /// says so: what to do about possibly torn rows is the caller's decision.</summary>
    public Scope Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _holderThread) == me)
            throw new InvalidOperationException($"the segment lock '{Name}' is already held on this thread (it is not reentrant)");
        var started = Stopwatch.GetTimestamp();
        if (!Monitor.TryEnter(_gate, Timeout)) throw TimedOut();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (true)
            {
                if (!TakeFlock(started)) throw TimedOut();
                if (Volatile.Read(ref Word(OffRemoved)) == 0) break;
                // the last node removed this file while we waited on it: its lock guards nothing now, take the path's
                Flock(_fd, LockUn);
                CloseLockFile();
                OpenLockFile();
            }
            var previousPid = Volatile.Read(ref Word(OffPid));
            var abandoned = previousPid != 0 || Volatile.Read(ref Word(OffStartTicks)) != 0;
            Volatile.Write(ref Word(OffStartTicks), (long)ProcessInfo.CurrentStartTicks);
            Volatile.Write(ref Word(OffPid), ProcessInfo.CurrentPid);
            _holderThread = me;
            return new Scope(this, abandoned, (int)previousPid);
        }
        catch
        {
            Monitor.Exit(_gate);
            throw;
        }
    }

    /// <summary>Marks the lock file removed and unlinks it; call it holding the lock (<paramref name="held"/>), just
    /// before releasing it, once the segment file is gone. A missing file is no error (another node raced us).</summary>
    public void RemoveLockFile(in Scope held)
    {
        if (!held.IsOf(this) || _holderThread != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("RemoveLockFile needs the lock held by this thread");
        Volatile.Write(ref Word(OffRemoved), 1);
        try { File.Delete(Name); }
        catch (DirectoryNotFoundException) { }
    }

    void Exit()
    {
        if (_holderThread != Environment.CurrentManagedThreadId)
            throw new SynchronizationLockException($"the segment lock '{Name}' is released by the thread that took it");
        _holderThread = 0;
        if (!_disposed)
        {
            // the record is cleared while the lock is still ours: a holder killed before this point is seen as abandoned
            Volatile.Write(ref Word(OffPid), 0);
            Volatile.Write(ref Word(OffStartTicks), 0);
            Flock(_fd, LockUn);
        }
        Monitor.Exit(_gate);
    }

    /// <summary>Closes the descriptor: a lock still held through it is dropped by the kernel (and, its record left set,
    /// reported as abandoned to the next taker).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CloseLockFile();
    }

    // ------------------------------------------------------------------ the lock file

    void OpenLockFile()
    {
        var fd = Open(Name, ORdWr | OCreat | OCloExec | ONoFollow, 0x180 /* 0600 */);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == Eloop
                ? new SegmentException(SegmentFault.NotOwned, $"the segment lock {Name} is a symbolic link; refusing to follow it (remove it)")
                : new SegmentException(SegmentFault.Io, $"cannot open the segment lock {Name}: errno {errno}");
        }
        try
        {
            FileStatus st;
            try { st = ProcessInfo.FileStatusOf(fd, Name); }
            catch (IOException e) { throw new SegmentException(SegmentFault.Io, $"cannot stat the segment lock {Name}: {e.Message}", e); }
            var euid = ProcessInfo.EffectiveUid();
            if (!st.IsRegularFile)
                throw new SegmentException(SegmentFault.NotOwned, $"the segment lock {Name} is not a regular file; refusing it");
            if (st.Uid != euid)
                throw new SegmentException(SegmentFault.NotOwned,
                    $"the segment lock {Name} belongs to uid {st.Uid}, not to this user (uid {euid}): another user could hold the segment's lock; refusing it (remove the file)");
            if (st.IsExposed)
                throw new SegmentException(SegmentFault.NotOwned,
                    $"the segment lock {Name} is mode {st.Octal}, open to other users (who may hold it open for ever); refusing it: remove the file, a node recreates it 0600");
            if (st.Size < FileLength && Ftruncate(fd, FileLength) != 0) // growing is idempotent when two processes race here
                throw new SegmentException(SegmentFault.Io, $"cannot size the segment lock {Name}: errno {Marshal.GetLastPInvokeError()}");
            var handle = new SafeFileHandle(fd, ownsHandle: false);
            _file = MemoryMappedFile.CreateFromFile(handle, null, FileLength, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            _view = _file.CreateViewAccessor(0, FileLength, MemoryMappedFileAccess.ReadWrite);
            _record = _view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)_view.PointerOffset;
            _fd = fd;
        }
        catch
        {
            _view?.Dispose();
            _file?.Dispose();
            _view = null;
            _file = null;
            Close(fd);
            throw;
        }
    }

    void CloseLockFile()
    {
        _record = 0;
        _view?.Dispose();
        _file?.Dispose();
        _view = null;
        _file = null;
        if (_fd >= 0) Close(_fd);
        _fd = -1;
    }

    /// <summary>One aligned word of the mapped lock file (the mapping outlives every use: this object owns it).</summary>
    ref long Word(int offset) => ref Unsafe.As<byte, long>(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _record + offset));

    /// <summary>LOCK_EX: blocking when the timeout is infinite, else LOCK_NB polled (spin, yield, then 1 ms sleeps).</summary>
    bool TakeFlock(long started)
    {
        if (Timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            while (Flock(_fd, LockEx) != 0)
                if (Marshal.GetLastPInvokeError() != Eintr) throw FlockFailed();
            return true;
        }
        var spin = new SpinWait();
        while (true)
        {
            if (Flock(_fd, LockEx | LockNb) == 0) return true;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Ewouldblock && errno != Eintr) throw FlockFailed();
            if (Stopwatch.GetElapsedTime(started) >= Timeout) return false;
            if (spin.Count < 30) spin.SpinOnce(sleep1Threshold: -1);
            else Thread.Sleep(1);
        }
    }

    SegmentException FlockFailed() =>
        new(SegmentFault.Io, $"flock({Name}) failed: errno {Marshal.GetLastPInvokeError()}");

    TimeoutException TimedOut() => new(
        $"could not take the segment lock '{Name}' within {Timeout.TotalMilliseconds:0} ms: " +
        "another process holds it (a stuck node, or a debugger paused inside it)");

    // ------------------------------------------------------------------ libc (DllImport: the project allows no unsafe code; blittable signatures)

    const int ORdWr = 0x2, OCreat = 0x40, OCloExec = 0x80000;
    static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
    const int LockEx = 2, LockNb = 4, LockUn = 8;
    const int Eintr = 4, Ewouldblock = 11, Eloop = 40;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    static extern int Ftruncate(int fd, long length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);

    /// <summary>The lock, held until <see cref="Dispose"/>.</summary>
    public readonly ref struct Scope
    {
        readonly SegmentMutex? _owner;

        internal Scope(SegmentMutex owner, bool abandoned, int previousHolderPid)
        {
            _owner = owner;
            Abandoned = abandoned;
            PreviousHolderPid = previousHolderPid;
        }

        /// <summary>The previous holder lost the lock without releasing it (it died inside): the rows it was writing may be torn.</summary>
        public bool Abandoned { get; }

        /// <summary>When <see cref="Abandoned"/>, the pid the previous holder recorded (0 if it died before writing it).</summary>
        public int PreviousHolderPid { get; }

        internal bool IsOf(SegmentMutex mutex) => ReferenceEquals(_owner, mutex);

        public void Dispose() => _owner?.Exit();
    }
}
