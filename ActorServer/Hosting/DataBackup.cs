using System.CommandLine;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <c>ActorServer backup [--data DIR] --to FILE</c> and <c>ActorServer restore --from FILE [--data DIR]</c>.
/// <para><b>Backup</b> is safe while servers run: SQLite's online backup copies every page in one step under one read
/// transaction (WAL: the servers go on writing meanwhile, unblocked), so the copy is the store as of one moment. The
/// copy is made 0600 (it holds password hashes), never over an existing file, checked (<c>quick_check</c>) and left
/// as one self-contained file (rollback journal, no <c>-wal</c> beside it).</para>
/// <para><b>Restore</b> is for stopped servers (a running one keeps writing to the file it opened; its
/// <see cref="DataFileGuard"/> then refuses changes and logs it), so it is refused while a server keeps the directory.
/// It copies the backup in the same way beside the store and renames it into place, so the old store's <c>-wal</c> can
/// never be applied to it; the store it replaces is kept, renamed, with its <c>-wal</c>; then the server's own start
/// checks run on the result.</para>
/// </summary>
public static class DataBackup
{
    /// <summary>Exit codes: done; the store (or the backup to restore) cannot be read or used; a bad option; the target
    /// exists or cannot be written.</summary>
    public const int Done = 0, Unreadable = 1, BadOption = 2, TargetRefused = 3;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The <c>backup</c> subcommand, for the root command of <c>Program.cs</c>.</summary>
    public static Command BackupCommand() => FileCommand("backup",
        "Copy the data store (accounts, history) to a file, consistently, while servers run",
        new Option<string>("--to") { HelpName = "FILE", Description = "Where to write the copy (required; made 0600; must not exist)" },
        "--to FILE is required: where to write the copy",
        (target, data, config) => Backup(data, target, config, Console.Out, Console.Error));

    /// <summary>The <c>restore</c> subcommand.</summary>
    public static Command RestoreCommand() => FileCommand("restore",
        "Put a backup in place as the data store, with every server using it stopped",
        new Option<string>("--from") { HelpName = "FILE", Description = "The backup to restore (required; made by backup)" },
        "--from FILE is required: the backup to restore",
        (backup, data, config) => Restore(backup, data, config, Console.Out, Console.Error));

    // A command on one FILE, with --data and --config. FILE is checked here, not marked Required: the parser would
    // refuse "backup --help" without it.
    private static Command FileCommand(string name, string description, Option<string> file, string missing,
        Func<string, string?, string?, int> run)
    {
        var data = DataOption();
        var config = ConfigOption();
        var command = new Command(name, description) { file, data, config };
        command.SetAction(r => r.GetValue(file) is { } path
            ? run(path, r.GetValue(data), r.GetValue(config))
            : Fail(Console.Error, name, BadOption, missing));
        return command;
    }

    /// <summary>Copies the store of <paramref name="directory"/> (the default when null) to <paramref name="target"/>;
    /// one line on <paramref name="output"/>, or one line naming the problem on <paramref name="error"/>.</summary>
    public static int Backup(string? directory, string target, string? configPath, TextWriter output, TextWriter error)
    {
        if (StorePath(directory, configPath, out var problem) is not var (dir, source)) return Fail(error, "backup", BadOption, problem!);
        var copy = Path.GetFullPath(target);
        if (!Directory.Exists(dir)) return Fail(error, "backup", Unreadable, $"no data directory {dir} (give --data the directory the server runs with)");
        if (!File.Exists(source)) return Fail(error, "backup", Unreadable, $"no data store in {dir}: {source} does not exist");
        if (Taken(copy)) return Fail(error, "backup", TargetRefused, $"{copy} already exists; refusing to overwrite it (choose a new name, or remove it first)");

        using var from = OpenReadOnly(source, out problem);
        if (from is null) return Fail(error, "backup", Unreadable, $"cannot read data store {source}: {problem}");
        var code = CopyNew(from, copy, out problem);
        if (code != Done) return Fail(error, "backup", code, problem!);
        output.WriteLine($"backed up {source} to {copy} ({new FileInfo(copy).Length} bytes, mode 0600)");
        return Done;
    }

    /// <summary>Puts <paramref name="backup"/> in place as the store of <paramref name="directory"/> (made 0700 when
    /// missing), keeping the store it replaces; then the start checks.</summary>
    public static int Restore(string backup, string? directory, string? configPath, TextWriter output, TextWriter error)
    {
        if (StorePath(directory, configPath, out var problem) is not var (dir, store)) return Fail(error, "restore", BadOption, problem!);
        var source = Path.GetFullPath(backup);
        if (!File.Exists(source)) return Fail(error, "restore", Unreadable, $"no backup at {source}");
        if (new FileInfo(source).Length == 0) return Fail(error, "restore", Unreadable, $"{source} is empty (0 bytes), not a backup; nothing was changed");
        using var from = OpenReadOnly(source, out problem);
        if (from is null) return Fail(error, "restore", Unreadable, $"cannot read backup {source}: {problem}");
        using (var check = from.CreateCommand())
        {
            check.CommandText = "PRAGMA quick_check";
            if (check.ExecuteScalar() is not "ok") return Fail(error, "restore", Unreadable, $"backup {source} is damaged (SQLite quick_check failed); nothing was changed");
            // Any sound SQLite file passes quick_check; a store made by a server has the journal's table.
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_journal'";
            if (check.ExecuteScalar() is not 1L)
                return Fail(error, "restore", Unreadable, $"{source} is an SQLite file but not a Switchboard store (no event_journal table); nothing was changed");
        }
        // The directory as a server's first start makes it (0700), or checked as a server would before anything moves.
        if (DataStoreCheck.Directory(dir) is { } dirProblem) return Fail(error, "restore", Unreadable, dirProblem);
        // A running server would go on writing to the store it opened, and answer kept messages 503 until restarted: a
        // directory in use has a keeper holding its lock. Held here until done, so no server starts keeping meanwhile.
        using var keeper = new HistoryKeeperLock(dir);
        if (!keeper.TryTake())
            return Fail(error, "restore", TargetRefused, $"a server is running on {dir} (it holds {keeper.Path}): stop every server that uses it first; nothing was changed");

        var incoming = Path.Combine(dir, $".{Path.GetFileName(store)}.restoring-{Environment.ProcessId}");
        var code = CopyNew(from, incoming, out problem);
        if (code != Done) return Fail(error, "restore", code, problem!);
        string? kept = null;
        try
        {
            if (File.Exists(store))
            {
                kept = $"{store}.before-restore-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}";
                // Renamed with its -wal (SQLite pairs them by name, should anyone open the kept store); -shm is only an index.
                File.Move(store, kept);
                if (File.Exists(store + "-wal")) File.Move(store + "-wal", kept + "-wal");
            }
            File.Delete(store + "-wal");
            File.Delete(store + "-shm");
            File.Move(incoming, store);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Remove(incoming);
            return Fail(error, "restore", TargetRefused, $"cannot put the backup in place as {store}: {ex.Message}" + (kept is null ? "" : $" (the store it replaces is {kept})"));
        }
        if (DataStoreCheck.Prepare(dir, store) is { } startProblem) return Fail(error, "restore", Unreadable, $"restored, but a server would refuse it: {startProblem}");
        output.WriteLine($"restored {source} as {store}" + (kept is null ? "" : $"; the store it replaced is kept as {kept}"));
        return Done;
    }

    private static Option<string?> DataOption() =>
        new("--data") { HelpName = "DIR", Description = $"The data directory the servers run with (default {DataStore.DefaultDirectory()})" };

    private static Option<string?> ConfigOption() =>
        new("--config") { HelpName = "F", Description = "The server's hocon file, if it renames the data file (switchboard.data.file)" };

    // The directory and the store's file in it, as a server with the same --data and --config uses them.
    private static (string Dir, string File)? StorePath(string? directory, string? configPath, out string? problem)
    {
        problem = null;
        string file;
        try
        {
            file = SwitchboardConfig.LoadSide(configPath, "server.hocon").RequiredString("switchboard.data.file");
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or FormatException)
        {
            problem = $"bad configuration: {ex.Message}";
            return null;
        }
        var dir = Path.GetFullPath(directory ?? DataStore.DefaultDirectory());
        return (dir, Path.Combine(dir, file));
    }

    // Opened read-only and read once: a file that cannot be read or is not a database fails here, before anything is made.
    private static SqliteConnection? OpenReadOnly(string path, out string? problem)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 5, Pooling = false }.ToString());
        try
        {
            db.Open();
            using var probe = db.CreateCommand();
            probe.CommandText = "SELECT count(*) FROM sqlite_schema";
            probe.ExecuteScalar();
            problem = null;
            return db;
        }
        catch (SqliteException ex)
        {
            db.Dispose();
            problem = ex.Message.TrimEnd('.');
            return null;
        }
    }

    // A new file at copy (O_CREAT|O_EXCL, 0600 from its first byte, a link there not followed) holding from's pages,
    // self-contained and checked; removed again if anything fails.
    private static int CopyNew(SqliteConnection from, string copy, out string? problem)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("copies are made with Unix file modes");
        try
        {
            using (File.Open(copy, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private })) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(copy));
            problem = Taken(copy)
                ? $"{copy} already exists; refusing to overwrite it (choose a new name, or remove it first)"
                : ex is DirectoryNotFoundException && dir is not null && !Directory.Exists(dir)
                    ? $"cannot write {copy}: the directory {dir} does not exist (make it first: mkdir -p {dir})"
                    : $"cannot write {copy}: {ex.Message.TrimEnd('.')}";
            return TargetRefused;
        }
        try
        {
            using (var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString()))
            {
                to.Open();
                from.BackupDatabase(to);
                using var settle = to.CreateCommand();
                settle.CommandText = "PRAGMA journal_mode=DELETE";
                settle.ExecuteNonQuery();
                using var check = to.CreateCommand();
                check.CommandText = "PRAGMA quick_check";
                if (check.ExecuteScalar() is not "ok") throw new InvalidDataException("the copy failed SQLite's quick_check");
            }
            problem = null;
            return Done;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidDataException)
        {
            Remove(copy);
            const int NoSpace = 28; // ENOSPC, which .NET keeps as the IOException's HResult
            problem = DataStoreErrors.IsDiskFull(ex) || ex is IOException { HResult: NoSpace }
                ? $"cannot write {copy}: no space left ({ex.Message.TrimEnd('.')}); nothing was kept"
                : $"copying into {copy} failed: {ex.Message.TrimEnd('.')}; nothing was kept";
            return DataStoreErrors.IsDiskFull(ex) || ex is IOException ? TargetRefused : Unreadable;
        }
    }

    // Anything at that name, a dangling symbolic link included.
    private static bool Taken(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    // Only what this run made: the copy it created exclusively, and SQLite's side files of it.
    private static void Remove(string copy)
    {
        foreach (var side in new[] { "", "-journal", "-wal", "-shm" })
            try { File.Delete(copy + side); } catch (IOException) { }
    }

    private static int Fail(TextWriter error, string command, int code, string problem)
    {
        error.WriteLine($"{command}: {problem}");
        return code;
    }
}
