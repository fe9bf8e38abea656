namespace Switchboard.Server.Hosting;

/// <summary>
/// Whether the data file is still the one the node opened. SQLite keeps writing through its open connections after the
/// file is deleted or replaced (they hold the old inode), so such writes succeed and are lost at the next start; and a
/// file made unreadable to its owner fails only new connections. Writers ask <see cref="Problem"/> (a statx of each file) before
/// they change anything and answer 503 instead. The same holds for SQLite's write-ahead log and its index beside the
/// file (<c>-wal</c>, <c>-shm</c>): deleted under a running node, its connections went on committing into the log they
/// had open (a DM answered 202 "stored", then gone after a <c>kill -9</c> and a start, with what the log held before).
/// </summary>
public sealed class DataFileGuard
{
    private readonly ulong _inode;
    private readonly SideFile _wal, _shm;

    /// <summary>Remembers <paramref name="path"/>'s inode: call it once the start checks have passed.</summary>
    public DataFileGuard(string path)
    {
        Path = path;
        _inode = ProcessInfo.FileStatusOf(path).Inode;
        (_wal, _shm) = (new SideFile(path + "-wal", "write-ahead log"), new SideFile(path + "-shm", "write-ahead log's index"));
    }

    public string Path { get; }

    /// <summary>What to do about a side file's problem (<see cref="DataFileProblem.NeedsRestart"/>).</summary>
    public const string RestartFix =
        "stop the server cleanly now (SIGTERM or Ctrl-C, not kill -9: closing its connections writes what that log holds into the data file) and start it again";

    /// <summary>Null while the file is the one opened at start and its owner may read and write it; else one line saying
    /// what happened to it (for the log, with the path: clients are told less). The history's and the accounts' actors
    /// both ask it.</summary>
    public DataFileProblem? Problem()
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
        return (_wal.Problem() ?? _shm.Problem()) is { } side ? new(side, NeedsRestart: true) : null;
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

/// <summary>What happened to the data file (<see cref="Text"/>, for the log); <see cref="NeedsRestart"/> when it is a side
/// file's, which putting a file back does not mend: the node's connections hold the deleted one until they close.</summary>
public sealed record DataFileProblem(string Text, bool NeedsRestart = false)
{
    public override string ToString() => Text;
}
