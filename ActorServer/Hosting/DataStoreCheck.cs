using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// What the data directory and its database must be before the node uses them: this user's, closed to others
/// (0700 / 0600: the file holds password hashes), not a symbolic link, not locked by another process, and a sound
/// SQLite database (or empty, made here), with the plugin's tables (<see cref="SqliteSchema"/>). Each refusal is one line
/// naming the path and the fix.
/// </summary>
public static class DataStoreCheck
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const uint DirectoryType = 0x4000, RegularType = 0x8000, SymbolicLinkType = 0xA000, TypeMask = 0xF000;

    // Where a symbolic link points, resolved to a full path (as typed when it cannot be).
    private static string LinkTarget(string link)
    {
        try { return new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link; }
        catch (IOException) { return new FileInfo(link).LinkTarget ?? link; }
    }
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteIoErr = 10, SqliteCorrupt = 11, SqliteFull = 13, SqliteNotADb = 26;

    /// <summary>Null when <paramref name="dir"/> and <paramref name="path"/> are ready (made if missing), else why not.</summary>
    public static string? Prepare(string dir, string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the data store's checks are for Unix file modes");
        if (Directory(dir) is { } dirProblem) return dirProblem;
        try
        {
            if (!File.Exists(path) && !System.IO.Directory.Exists(path))
                using (File.Open(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode })) { }
            if (Owned(path, "data file", "chmod 600", directory: false) is { } fileProblem) return fileProblem;
            if (SideFilesProblem(path) is { } sideProblem) return sideProblem;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot use data directory {dir}: {ex.Message.TrimEnd('.')}; give --data a directory of your own";
        }
        return Sound(path);
    }

    /// <summary>Why SQLite's files beside <paramref name="path"/> (its log, shared memory, rollback journal) may not be
    /// used, or null. One that goes while it is looked at is no problem: another node's last connection closing deletes the
    /// log and the shared memory (a fast-tier run failed a start with "statx(...-wal) failed: errno 2").</summary>
    internal static string? SideFilesProblem(string path)
    {
        foreach (var side in new[] { "-wal", "-shm", "-journal" })
            try
            {
                if (File.Exists(path + side) && Owned(path + side, "data file", "chmod 600", directory: false) is { } problem) return problem;
            }
            catch (FileNotFoundException)
            {
                // gone meanwhile: nothing of it to check
            }
        return null;
    }

    /// <summary>Null when the data directory <paramref name="dir"/> is ready (made 0700 if missing), else why not.</summary>
    public static string? Directory(string dir)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the data store's checks are for Unix file modes");
        try
        {
            if (!System.IO.Directory.Exists(dir) && !File.Exists(dir))
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
                System.IO.Directory.CreateDirectory(dir, DirMode);
            }
            return Owned(dir, "data directory", "chmod 700", directory: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot use data directory {dir}: {ex.Message.TrimEnd('.')}; give --data a directory of your own";
        }
    }

    private static string? Owned(string path, string what, string fix, bool directory)
    {
        var status = ProcessInfo.FileStatusOf(path);
        var isDirectory = (status.Mode & TypeMask) == DirectoryType;
        if (directory ? !isDirectory : !status.IsRegularFile)
            return (status.Mode & TypeMask) switch
            {
                SymbolicLinkType when directory => $"{what} {path} is a symbolic link (to {LinkTarget(path)}); give --data the directory itself: --data {LinkTarget(path)}",
                SymbolicLinkType => $"{what} {path} is a symbolic link (to {LinkTarget(path)}); put the file itself there, or give --data the directory that holds it",
                RegularType when directory => $"{what} {path} is a file, not a directory; give --data a directory (it is made when missing)",
                _ => $"{what} {path} is not a {(directory ? "directory" : "regular file")}; give --data a real directory",
            };
        if (status.Uid != ProcessInfo.EffectiveUid())
            return $"{what} {path} belongs to uid {status.Uid}, not to this user; refusing it (give --data a directory of your own)";
        if (status.IsExposed) return $"{what} {path} is mode {status.Octal}, open to other users; make it private: {fix} {path}";
        // Its owner must write it (a directory: make files in it). Checked by its bits, not by trying: root could write a
        // 0500 directory, and anyone else was told only that a lock file beside the store could not be made.
        var owner = directory ? (uint)DirMode : (uint)FileMode;
        return (status.Permissions & owner) == owner ? null
            : $"{what} {path} is mode {status.Octal}, which does not let its owner write {(directory ? "in it" : "it")}; {fix} {path}";
    }

    // Opens the file the way the plugin will, checks its pages, and takes the write lock once to make the plugin's tables.
    private static string? Sound(string path)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, DefaultTimeout = 5, Pooling = false };
        try
        {
            using var db = new SqliteConnection(connection.ToString());
            db.Open();
            using (var check = db.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check";
                if (check.ExecuteScalar() is not "ok")
                    return $"data file {path} is damaged (SQLite quick_check failed); restore it from a backup or move it away to start empty";
            }
            if (Foreign(db) is { } tables)
                return $"data file {path} is another program's SQLite database (its tables: {tables}), not a Switchboard store; give --data a directory of its own";
            using (var wal = db.CreateCommand())
            {
                // WAL lets several nodes sharing the directory read while one writes; the mode is kept in the file.
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                wal.ExecuteNonQuery();
            }
            SqliteSchema.Ensure(db);
            return null;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            return $"data file {path} is locked by another process; stop it (or wait for it) and start again";
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADb)
        {
            return $"data file {path} is not a sound SQLite database ({ex.Message.TrimEnd('.')}); restore it from a backup or move it away to start empty";
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteFull || (ex.SqliteErrorCode is SqliteIoErr && NoSpaceBeside(path)))
        {
            return $"cannot open data file {path}: no space left on its disk ({ex.Message.TrimEnd('.')}); free space and start again";
        }
        catch (SqliteException ex)
        {
            return $"cannot open data file {path}: {ex.Message}";
        }
    }

    // A table not of the schema and no journal: another program's file, which the schema's tables must not be added to
    // (restore refuses it too). Empty, or only some of the schema's (a start that stopped while making them), is ours.
    private static string? Foreign(SqliteConnection db)
    {
        using var tables = db.CreateCommand();
        tables.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        var names = new List<string>();
        using (var reader = tables.ExecuteReader())
            while (reader.Read()) names.Add(reader.GetString(0));
        return names.Contains("event_journal") || names.All(SqliteSchema.Tables.Contains) ? null : string.Join(", ", names.Take(5)) + (names.Count > 5 ? ", ..." : "");
    }

    // A full disk reaches SQLite's open as SQLITE_IOERR when it cannot make the write-ahead log's index (-shm), which
    // would send an operator to the hardware: the file system's free space tells the two apart (the index alone takes
    // 32 KiB, so less than twice that is no room).
    private static bool NoSpaceBeside(string path)
    {
        try { return new DriveInfo(Path.GetDirectoryName(path)!).AvailableFreeSpace < 64 * 1024; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return false; }
    }
}
