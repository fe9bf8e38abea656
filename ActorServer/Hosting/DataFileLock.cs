namespace Switchboard.Server.Hosting;

/// <summary>
/// Which other process holds SQLite's write lock on the data file, read from the kernel's list of file locks
/// (<c>/proc/locks</c>). A store call that times out (the journal's circuit breaker gives up before SQLite's busy
/// timeout and Microsoft.Data.Sqlite's retries do) carries no SQLite error to say why; an operator's
/// <c>sqlite3 DIR/switchboard.db</c> left in <c>BEGIN IMMEDIATE</c> is the common cause, and the kernel names it.
/// In WAL mode the write lock is byte 120 of the <c>-shm</c> index (SQLite's WAL_WRITE_LOCK); in rollback mode, a write
/// lock on the file itself. This process's own locks are not counted: POSIX locks are per process.
/// </summary>
public static class DataFileLock
{
    private const long WalWriteLock = 120;

    /// <summary>The pid and name of another process holding the write lock on <paramref name="path"/>, or null.</summary>
    public static (int Pid, string Name)? HolderOf(string path)
    {
        try
        {
            var shm = Key(path + "-shm");
            var file = Key(path);
            var self = Environment.ProcessId;
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                // "1: POSIX  ADVISORY  WRITE 22899 fe:00:11943951 120 120"; "1: -> POSIX ..." is a waiter, not a holder.
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 8 || f[1] == "->" || f[1] != "POSIX" || f[3] != "WRITE" || !int.TryParse(f[4], out var pid) || pid == self) continue;
                var covers = long.TryParse(f[6], out var start) && start <= WalWriteLock && (f[7] == "EOF" || long.TryParse(f[7], out var end) && end >= WalWriteLock);
                if ((f[5] == shm && covers) || f[5] == file) return (pid, NameOf(pid));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    // As /proc/locks writes a file: "major:minor:inode", the device numbers in hex (two digits at least).
    private static string? Key(string path)
    {
        try
        {
            var status = Segment.ProcessInfo.FileStatusOf(path);
            return $"{status.Device >> 32:x2}:{status.Device & 0xffffffff:x2}:{status.Inode}";
        }
        catch (IOException) { return null; }
    }

    private static string NameOf(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unknown"; }
    }
}
