using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Switchboard.Server.State;

/// <summary>
/// The cross-process lock that guards one segment, and the one way to take it: a robust, process-shared pthread mutex
/// that lives in the lock file beside the segment (<see cref="SegmentMapping.LockPathFor"/>,
/// <c>/dev/shm/&lt;segment&gt;.lock</c>), mapped by every process that uses the segment.
///
/// <para>Why not a named .NET <see cref="Mutex"/>: on Linux its <c>Global\</c> name is backed by a file under the
/// runtime's shared-memory folder (<c>/tmp/.dotnet/shm/global/&lt;name&gt;</c>) created mode 0666, so any local user can
/// open and hold it and squat the segment's lock (DESIGN §9). The lock file here is created 0600 with
/// <c>O_NOFOLLOW</c>, and refused (<see cref="SegmentFault.NotOwned"/>) unless it is a regular file of this user with no
/// group/other bits: a file that was ever 0666 may be mapped by another user, and chmod would not take that back. Only
/// this user can map it, so only this user can take the mutex in it.</para>
///
/// <para>Why a pthread mutex and not <c>flock(2)</c> on that file: a flock costs two system calls per round (1.2 µs here,
/// in a nested VM, against 0.38 µs for the runtime mutex), a pthread mutex none when uncontended (a compare-and-swap
/// in the mapping; the kernel's futex only when it must wait). flock serialises only the one-time initialisation of
/// the mutex in a new file. The mutex is robust: when its holder dies (SIGKILL included, and whether or not anyone
/// else had it open), the kernel marks it and the next taker gets <c>EOWNERDEAD</c>, reported as
/// <see cref="Scope.Abandoned"/>. It is error-checking: entering again on the holding thread, or releasing from
/// another thread, throws instead of deadlocking. Per-row sequence/checksum still is what detects a torn write
/// (DESIGN §8): abandonment only tells the store to validate everything now. The holder also records its pid in the
/// file, for the log.</para>
///
/// <para>Removal: the last node unlinks the lock file while holding it (<see cref="RemoveLockFile"/>), after marking it
/// removed; a process that was waiting on the old file sees the mark once it gets the mutex and reopens the path, so
/// two holders never sit on two different inodes. (Deleting the file by hand while nodes run defeats this.)</para>
/// </summary>
public sealed class SegmentMutex : IDisposable
{
    // The lock file, 128 bytes: magic u64 (written once the mutex is initialised) | holder pid i64 | holder start
    // ticks i64 | removed i64 | ... | @64 pthread_mutex_t (40 bytes on x86-64, 48 on arm64)
    const int FileLength = 128;
    const int OffMagic = 0, OffPid = 8, OffStartTicks = 16, OffRemoved = 24, OffMutex = 64;
    const long Magic = 0x314B_434C_4442_5753; // "SWBDLCK1"

    int _fd = -1;
    MemoryMappedFile? _file;
    MemoryMappedViewAccessor? _view;
    nint _base;
    int _holderThread; // managed thread id of the holder, 0 when free (a held mutex is never unmapped)
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
    /// holder died inside, the lock is ours all the same and <see cref="Scope.Abandoned"/> says so: what to do about
    /// possibly torn rows is the caller's decision.</summary>
    public Scope Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _holderThread) == me)
            throw new InvalidOperationException($"the segment lock '{Name}' is already held on this thread (it is not reentrant)");
        var abandoned = false;
        while (true)
        {
            var rc = PthreadMutexTrylock(_base + OffMutex);
            if (rc == Ebusy) rc = LockWaiting();
            if (rc == Eownerdead)
            {
                // the holder died inside: the mutex is ours, and usable again once marked consistent
                abandoned = true;
                rc = PthreadMutexConsistent(_base + OffMutex);
                if (rc != 0) throw Failed("pthread_mutex_consistent", rc);
            }
            else if (rc == Etimedout) throw TimedOut();
            else if (rc == Edeadlk) throw new InvalidOperationException($"the segment lock '{Name}' is already held on this thread (it is not reentrant)");
            else if (rc != 0) throw Failed("pthread_mutex_lock", rc);
            if (Volatile.Read(ref Word(OffRemoved)) == 0) break;
            // the last node removed this file while we waited on it: its mutex guards nothing now, take the path's
            PthreadMutexUnlock(_base + OffMutex);
            CloseLockFile();
            OpenLockFile();
        }
        var previousPid = Volatile.Read(ref Word(OffPid));
        Volatile.Write(ref Word(OffStartTicks), (long)ProcessInfo.CurrentStartTicks);
        Volatile.Write(ref Word(OffPid), ProcessInfo.CurrentPid);
        _holderThread = me;
        return new Scope(this, abandoned, abandoned ? (int)previousPid : 0);
    }

    /// <summary>Waits for the mutex: blocking when the timeout is infinite, else until the deadline (CLOCK_REALTIME).</summary>
    int LockWaiting()
    {
        if (Timeout == System.Threading.Timeout.InfiniteTimeSpan) return PthreadMutexLock(_base + OffMutex);
        var deadline = DateTimeOffset.UtcNow + Timeout;
        var ticks = deadline.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long[] abstime = [ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100]; // struct timespec (64-bit)
        return PthreadMutexTimedlock(_base + OffMutex, abstime);
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
        Volatile.Write(ref Word(OffPid), 0);
        Volatile.Write(ref Word(OffStartTicks), 0);
        var rc = PthreadMutexUnlock(_base + OffMutex);
        _holderThread = 0;
        if (_disposed) CloseLockFile(); // disposed while held: the mapping waited for this release
        if (rc != 0) throw new SynchronizationLockException($"pthread_mutex_unlock({Name}) failed: error {rc}");
    }

    /// <summary>Unmaps the lock file and closes it. While a scope is still held (a bug of the caller), the mapping is
    /// left in place: the holding thread's robust-mutex list points into it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Volatile.Read(ref _holderThread) == 0) CloseLockFile();
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
            _base = _view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)_view.PointerOffset;
            _fd = fd;
            if (Volatile.Read(ref Word(OffMagic)) != Magic) InitializeMutex();
        }
        catch
        {
            _view?.Dispose();
            _file?.Dispose();
            _view = null;
            _file = null;
            _base = 0;
            _fd = -1;
            Close(fd);
            throw;
        }
    }

    /// <summary>A new lock file: the first process to get the flock initialises the mutex, then writes the magic.</summary>
    void InitializeMutex()
    {
        while (Flock(_fd, LockEx) != 0)
            if (Marshal.GetLastPInvokeError() != Eintr) throw new SegmentException(SegmentFault.Io, $"flock({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Volatile.Read(ref Word(OffMagic)) == Magic) return; // another process won the race
            var attr = new byte[64]; // pthread_mutexattr_t: 4 bytes on x86-64, 8 on arm64
            Check("pthread_mutexattr_init", PthreadMutexattrInit(attr));
            try
            {
                Check("pthread_mutexattr_setpshared", PthreadMutexattrSetpshared(attr, PthreadProcessShared));
                Check("pthread_mutexattr_setrobust", PthreadMutexattrSetrobust(attr, PthreadMutexRobust));
                Check("pthread_mutexattr_settype", PthreadMutexattrSettype(attr, PthreadMutexErrorcheck));
                Check("pthread_mutex_init", PthreadMutexInit(_base + OffMutex, attr));
            }
            finally { PthreadMutexattrDestroy(attr); }
            Volatile.Write(ref Word(OffMagic), Magic); // after the mutex: whoever sees the magic sees a mutex
        }
        finally { Flock(_fd, LockUn); }
    }

    void Check(string call, int rc)
    {
        if (rc != 0) throw Failed(call, rc);
    }

    SegmentException Failed(string call, int rc) => new(SegmentFault.Io, rc == Enotrecoverable
        ? $"the segment lock {Name} is unrecoverable ({call}): stop the nodes and remove the file"
        : $"{call}({Name}) failed: error {rc}");

    void CloseLockFile()
    {
        _base = 0;
        _view?.Dispose();
        _file?.Dispose();
        _view = null;
        _file = null;
        if (_fd >= 0) Close(_fd);
        _fd = -1;
    }

    /// <summary>One aligned word of the mapped lock file (the mapping outlives every use: this object owns it).</summary>
    ref long Word(int offset) => ref Unsafe.As<byte, long>(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _base + offset));

    TimeoutException TimedOut() => new(
        $"could not take the segment lock '{Name}' within {Timeout.TotalMilliseconds:0} ms: " +
        "another process holds it (a stuck node, or a debugger paused inside it)");

    // ------------------------------------------------------------------ libc (DllImport: the project allows no unsafe code; blittable signatures)

    const int ORdWr = 0x2, OCreat = 0x40, OCloExec = 0x80000;
    static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
    const int LockEx = 2, LockUn = 8;
    const int Eintr = 4, Ebusy = 16, Edeadlk = 35, Eloop = 40, Etimedout = 110, Eownerdead = 130, Enotrecoverable = 131;
    const int PthreadProcessShared = 1, PthreadMutexRobust = 1, PthreadMutexErrorcheck = 2;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    static extern int Ftruncate(int fd, long length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);

    // pthread functions return their error; they do not set errno. The mutex is addressed in the mapping (nint).
    [DllImport("libc", EntryPoint = "pthread_mutexattr_init")]
    static extern int PthreadMutexattrInit(byte[] attr);

    [DllImport("libc", EntryPoint = "pthread_mutexattr_destroy")]
    static extern int PthreadMutexattrDestroy(byte[] attr);

    [DllImport("libc", EntryPoint = "pthread_mutexattr_setpshared")]
    static extern int PthreadMutexattrSetpshared(byte[] attr, int pshared);

    [DllImport("libc", EntryPoint = "pthread_mutexattr_setrobust")]
    static extern int PthreadMutexattrSetrobust(byte[] attr, int robust);

    [DllImport("libc", EntryPoint = "pthread_mutexattr_settype")]
    static extern int PthreadMutexattrSettype(byte[] attr, int type);

    [DllImport("libc", EntryPoint = "pthread_mutex_init")]
    static extern int PthreadMutexInit(nint mutex, byte[] attr);

    [DllImport("libc", EntryPoint = "pthread_mutex_trylock")]
    static extern int PthreadMutexTrylock(nint mutex);

    [DllImport("libc", EntryPoint = "pthread_mutex_lock")]
    static extern int PthreadMutexLock(nint mutex);

    [DllImport("libc", EntryPoint = "pthread_mutex_timedlock")]
    static extern int PthreadMutexTimedlock(nint mutex, long[] abstime);

    [DllImport("libc", EntryPoint = "pthread_mutex_unlock")]
    static extern int PthreadMutexUnlock(nint mutex);

    [DllImport("libc", EntryPoint = "pthread_mutex_consistent")]
    static extern int PthreadMutexConsistent(nint mutex);

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

        /// <summary>The previous holder died inside (the kernel said so: EOWNERDEAD): the rows it was writing may be torn.</summary>
        public bool Abandoned { get; }

        /// <summary>When <see cref="Abandoned"/>, the pid the previous holder recorded (0 if it died before writing it).</summary>
        public int PreviousHolderPid { get; }

        internal bool IsOf(SegmentMutex mutex) => ReferenceEquals(_owner, mutex);

        public void Dispose() => _owner?.Exit();
    }
}
