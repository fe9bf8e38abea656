using System.CommandLine;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <c>ActorServer backup [--data DIR] --to FILE</c>: a consistent copy of the data store, safe while servers run.
/// SQLite's online backup copies every page in one step under one read transaction (WAL: the servers go on writing
/// meanwhile, unblocked), so the copy is the store as of one moment. The copy is made 0600 (it holds password hashes),
/// never over an existing file, checked (<c>quick_check</c>) and left as one self-contained file (rollback journal, no
/// <c>-wal</c> beside it); a server given it as its data file takes it back to WAL at start. Restoring is a file copy
/// with the servers stopped (docs/operating.md#backup-and-restore).
/// </summary>
public static class DataBackup
{
    /// <summary>Exit codes: written; the store cannot be read; a bad option; the target exists or cannot be written.</summary>
    public const int Written = 0, StoreUnreadable = 1, BadOption = 2, TargetRefused = 3;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The subcommand, for the root command of <c>Program.cs</c>.</summary>
    public static Command Command()
    {
        var data = new Option<string?>("--data") { HelpName = "DIR", Description = $"The data directory a server runs with (default {DataStore.DefaultDirectory()})" };
        var to = new Option<string>("--to") { HelpName = "FILE", Description = "Where to write the copy (required; made 0600; must not exist)" };
        var config = new Option<string?>("--config") { HelpName = "F", Description = "The server's hocon file, if it renames the data file (switchboard.data.file)" };
        var command = new Command("backup", "Copy the data store (accounts) to a file, consistently, while servers run") { data, to, config };
        // --to is checked here, not marked Required: the parser would refuse "backup --help" without it.
        command.SetAction(r => r.GetValue(to) is { } target
            ? Run(r.GetValue(data), target, r.GetValue(config), Console.Out, Console.Error)
            : Fail(Console.Error, BadOption, "--to FILE is required: where to write the copy"));
        return command;
    }

    /// <summary>Copies the store of <paramref name="directory"/> (the default when null) to <paramref name="target"/>;
    /// one line on <paramref name="output"/>, or one line naming the problem on <paramref name="error"/>.</summary>
    public static int Run(string? directory, string target, string? configPath, TextWriter output, TextWriter error)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the backup is made with Unix file modes");
        string file;
        try
        {
            file = SwitchboardConfig.LoadSide(configPath, "server.hocon").RequiredString("switchboard.data.file");
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or FormatException)
        {
            return Fail(error, BadOption, $"bad configuration: {ex.Message}");
        }
        var dir = Path.GetFullPath(directory ?? DataStore.DefaultDirectory());
        var source = Path.Combine(dir, file);
        var copy = Path.GetFullPath(target);
        if (!Directory.Exists(dir)) return Fail(error, StoreUnreadable, $"no data directory {dir} (give --data the directory the server runs with)");
        if (!File.Exists(source)) return Fail(error, StoreUnreadable, $"no data store in {dir}: {source} does not exist");
        if (Taken(copy)) return Fail(error, TargetRefused, $"{copy} already exists; refusing to overwrite it (choose a new name, or remove it first)");

        using var from = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 5, Pooling = false }.ToString());
        try
        {
            from.Open();
            using var probe = from.CreateCommand();
            probe.CommandText = "SELECT count(*) FROM sqlite_schema";
            probe.ExecuteScalar(); // the first read: an unreadable file or one that is not a database fails here, before a target exists
        }
        catch (SqliteException ex)
        {
            return Fail(error, StoreUnreadable, $"cannot read data store {source}: {ex.Message.TrimEnd('.')}");
        }

        try
        {
            // O_CREAT|O_EXCL with the mode: the name is ours, 0600 from its first byte, and a link there is not followed.
            using (File.Open(copy, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private })) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Taken(copy)
                ? Fail(error, TargetRefused, $"{copy} already exists; refusing to overwrite it (choose a new name, or remove it first)")
                : Fail(error, TargetRefused, $"cannot write {copy}: {ex.Message}");
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
            output.WriteLine($"backed up {source} to {copy} ({new FileInfo(copy).Length} bytes, mode 0600)");
            return Written;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidDataException)
        {
            Remove(copy);
            const int NoSpace = 28; // ENOSPC, which .NET keeps as the IOException's HResult
            return DataStoreErrors.IsDiskFull(ex) || ex is IOException { HResult: NoSpace }
                ? Fail(error, TargetRefused, $"cannot write {copy}: no space left ({ex.Message.TrimEnd('.')}); nothing was kept")
                : Fail(error, StoreUnreadable, $"backup of {source} failed: {ex.Message.TrimEnd('.')}; nothing was kept");
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

    private static int Fail(TextWriter error, int code, string problem)
    {
        error.WriteLine($"backup: {problem}");
        return code;
    }
}
