namespace Switchboard.Server.Hosting;

/// <summary>
/// Whether the data file is still the one the node opened. SQLite keeps writing through its open connections after the
/// file is deleted or replaced (they hold the old inode), so such writes succeed and are lost at the next start; and a
/// file made unreadable to its owner fails only new connections. Writers ask <see cref="Problem"/> before they change
/// anything and answer 503 instead. The same holds for SQLite's write-ahead log and its index beside the file
/// (<c>-wal</c>, <c>-shm</c>): deleted under a running node, its connections went on committing into the log they had
/// open (a DM answered 202 "stored", then gone after a <c>kill -9</c> and a start, with what the log held before). And
/// for the lock files this node holds (<see cref="Holds"/>): deleted, the next server or node takes a new one at the
/// same path and writes the same store beside this one, which Akka.Persistence's one writer per id forbids.
/// <para>The data file is checked at every ask (a statx, ~1.5 µs, on every kept message). The side files and lock files
/// would cost as much again each, so they are checked again only when the directory's watcher (inotify: names and
/// attributes, not writes) saw something change in it, and at least once a second should it miss one (an overflow, the
/// directory itself moved); without a watcher, at every ask. So a side file deleted is refused from the write after the
/// watcher has seen it, a fraction of a millisecond later.</para>
/// </summary>
public sealed class DataFileGuard : IWriteGuard, IDisposable
{
    private const long RecheckMs = 1000;
    private readonly ulong _inode;
    private readonly SideFile _wal, _shm;
    private readonly List<HeldFile> _held = [];
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private bool _watchTried;
    // Bumped by the watcher's thread; a check remembers the count it began at.
    private long _changes, _checkedChanges = -1, _checkedAt;
    private DataFileProblem? _last;
    private int? _lockHolder;

    /// <summary>Remembers <paramref name="path"/>'s inode: call it once the start checks have passed.</summary>
    public DataFileGuard(string path)
    {
        Path = path;
        _inode = ProcessInfo.FileStatusOf(path).Inode;
        (_wal, _shm) = (new SideFile(path + "-wal", "write-ahead log"), new SideFile(path + "-shm", "write-ahead log's index"));
    }

    public string Path { get; }

    public string Back => $"data file {Path} is back";

    /// <summary>What to do about a side file's problem (<see cref="DataFileProblem.Fix"/>).</summary>
    public const string RestartFix =
        "stop the server cleanly now (SIGTERM or Ctrl-C, not kill -9: closing its connections writes what that log holds into the data file) and start it again";

    /// <summary>This node holds a lock on the file at <paramref name="path"/> through <paramref name="held"/>
    /// (<c>server.lock</c>, <c>history.lock</c>): from now on, that file deleted or replaced is a problem too.</summary>
    public void Holds(FileStream held, string path, string what)
    {
        lock (_gate)
        {
            _held.Add(new HeldFile(held, path, what));
            _checkedChanges = -1;
        }
    }

    /// <summary>Null while the files are the ones opened at start and their owner may read and write the data file; else
    /// one line saying what happened (for the log, with the path: clients are told less). The history's and the accounts'
    /// actors both ask it.</summary>
    public DataFileProblem? Problem()
    {
        lock (_gate)
        {
            if (FileProblem() is { } file) return file;
            if (!_watchTried) Watch();
            var changes = Interlocked.Read(ref _changes);
            var now = Environment.TickCount64;
            if (_watcher is not null && changes == _checkedChanges && now - _checkedAt < RecheckMs) return _last;
            (_last, _checkedChanges, _checkedAt) = (OthersProblem(), changes, now);
            return _last;
        }
    }

    // The data file itself at every ask (one statx): what an operator most often does to it, and what the specs of a
    // moved file expect to be refused at once.
    private DataFileProblem? FileProblem()
    {
        FileStatus now;
        try { now = ProcessInfo.FileStatusOf(Path); }
        catch (IOException)
        {
            return new($"data file {Path} is gone (deleted or moved away while the server ran)");
        }
        if (now.Inode != _inode || !now.IsRegularFile)
            return new($"data file {Path} was replaced while the server ran (the server still writes to the one it opened)");
        const uint OwnerReadWrite = 0x180; // 0600
        if ((now.Permissions & OwnerReadWrite) != OwnerReadWrite || now.Uid != ProcessInfo.EffectiveUid())
            return new($"data file {Path} is no longer this user's to read and write (mode {now.Octal}, uid {now.Uid})");
        return null;
    }

    private DataFileProblem? OthersProblem()
    {
        if ((_wal.Problem() ?? _shm.Problem()) is { } side) return new(side, RestartFix);
        foreach (var held in _held)
            if (held.Problem() is { } lost) return lost;
        return null;
    }

    // Started at the first ask, not with the guard: a store opened only to be checked or restored never watches.
    private void Watch()
    {
        _watchTried = true;
        try
        {
            var watcher = new FileSystemWatcher(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!)
            {
                // Not Security: on Linux it is woken by every write (71 events for 1,000 appends to the log).
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Attributes,
            };
            void Changed(object? _, EventArgs __) => Interlocked.Increment(ref _changes);
            watcher.Created += Changed;
            watcher.Deleted += Changed;
            watcher.Renamed += Changed;
            watcher.Changed += Changed;
            watcher.Error += Changed;
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // No watcher (inotify's limits reached): every ask checks.
        }
    }

    /// <summary>For a store call that failed without a word of its own (timed out, or SQLite busy): the line saying
    /// which other process holds the data file's write lock, if one does (<see cref="DataFileLock"/>), and whether it is
    /// news. One episode is one holder until a failed call finds the lock free: its failures after the first are no news.</summary>
    public (string Line, bool First)? Locked()
    {
        var holder = DataFileLock.HolderOf(Path);
        lock (_gate)
        {
            if (holder is not { } h)
            {
                _lockHolder = null;
                return null;
            }
            var first = _lockHolder != h.Pid;
            _lockHolder = h.Pid;
            return ($"data file {Path} is locked by another process (pid {h.Pid}, {h.Name}), which holds SQLite's write lock (database is locked): " +
                "kept messages and account changes are answered 503 while it does, and are written again by themselves once it lets go " +
                "(no restart needed): end that process's transaction (COMMIT or ROLLBACK) or stop it", first);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _watcher?.Dispose();
            _watcher = null;
        }
    }

    // A lock file this node holds open: the file at its path must stay the one held.
    private sealed record HeldFile(FileStream Held, string Path, string What)
    {
        public DataFileProblem? Problem() => ProcessInfo.IsAtPath(Held, Path) ? null :
            new($"{What} {Path} was deleted or replaced while the server ran: another server or node could take a new one " +
                "and write the same store beside this node",
                "stop this node and start it again (it then takes the lock afresh, or is told who holds it)");
    }

    // One of SQLite's files beside the data file. SQLite removes them only when the last connection to the file closes, so
    // while this node holds one open they stay; one that is missing, or another inode than last seen, is looked for among
    // this process's open files (rare: at the first write, or after every connection closed) before it is taken as new.
    private sealed class SideFile(string path, string what)
    {
        private (ulong Device, ulong Inode)? _seen;

        public string? Problem()
        {
            lock (this) return Check();
        }

        private string? Check()
        {
            (ulong, ulong)? now;
            try
            {
                var s = ProcessInfo.FileStatusOf(path);
                now = (s.Device, s.Inode);
            }
            catch (IOException) { now = null; }
            if (now is not null && now == _seen) return null;
            if (HeldOpen())
                return $"the data file's {what} {path} was deleted or replaced while the server ran: the server's connections " +
                    "still write into the one they opened, and what it holds is lost if the server is killed or crashes";
            _seen = now;
            return null;
        }

        // An open file of this process that is the side file last seen here, or one deleted from its path.
        private bool HeldOpen()
        {
            IEnumerable<string> fds;
            try { fds = Directory.EnumerateFileSystemEntries("/proc/self/fd"); }
            catch (IOException) { return false; }
            foreach (var fd in fds)
            {
                string? target;
                try { target = new FileInfo(fd).LinkTarget; }
                catch (IOException) { continue; } // closed meanwhile
                if (target is null || !target.StartsWith('/')) continue; // sockets, pipes
                if (target == path + " (deleted)") return true;
                if (_seen is null || target == path || !int.TryParse(System.IO.Path.GetFileName(fd), out var n)) continue;
                try
                {
                    var s = ProcessInfo.FileStatusOf(n, target);
                    if ((s.Device, s.Inode) == _seen) return true;
                }
                catch (IOException) { } // closed meanwhile
            }
            return false;
        }
    }
}

/// <summary>What happened to the data file (<see cref="Text"/>, for the log), and what mends it when putting the same file
/// back does not (<see cref="Fix"/>: a side file, which the node's connections hold until they close, or a lock file).</summary>
public sealed record DataFileProblem(string Text, string? Fix = null)
{
    public override string ToString() => Text;
}
