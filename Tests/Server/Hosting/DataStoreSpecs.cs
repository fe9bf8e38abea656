using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>The data directory and its SQLite file before a node uses them: made private, refused with one line naming
/// the path when they belong to another user, are open to others, are locked, or are not a sound database.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataStoreSpecs : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sb-data-" + Guid.NewGuid().ToString("N")[..12]);
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string? Open(string dir)
    {
        var store = DataStore.Open(dir, ActorTestConfig.Server(), out var problem, out var exit);
        if (store is null) Assert.Equal(1, exit);
        return problem;
    }

    private string Dir(UnixFileMode mode = Private)
    {
        var dir = Path.Combine(_root, "data");
        Directory.CreateDirectory(dir, mode);
        File.SetUnixFileMode(dir, mode);
        return dir;
    }

    // A fast-tier run failed AccountStoreSpecs' two nodes on one directory with "statx(.../switchboard.db-wal) failed:
    // errno 2": the other node's last connection closed, and SQLite deleted the log, between the check's look and its stat.
    [Fact]
    public async Task A_side_file_that_vanishes_while_the_start_checks_it_is_no_problem()
    {
        var dir = Dir();
        var db = Path.Combine(dir, "switchboard.db");
        // The files are churned without SQLite: it maps the shared-memory file, which cut under it would end the process.
        using var stop = new CancellationTokenSource();
        var churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                foreach (var side in new[] { "-wal", "-shm" })
                {
                    using (File.Open(db + side, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite })) { }
                    File.Delete(db + side);
                }
        });
        try
        {
            for (var i = 0; i < 3000; i++)
                Assert.Null(DataStoreCheck.SideFilesProblem(db));
        }
        finally
        {
            await stop.CancelAsync();
            await churn;
        }
    }

    [Fact]
    public void A_missing_path_is_told_apart_from_other_stat_failures()
    {
        Assert.Throws<FileNotFoundException>(() => ProcessInfo.FileStatusOf(Path.Combine(_root, "no-such-file")));
    }

    [Fact]
    public void A_missing_directory_is_made_0700_with_its_database_0600_and_the_schema_is_not_needed_yet()
    {
        var dir = Path.Combine(_root, "deep", "data");
        Assert.Null(Open(dir));
        Assert.Equal(Private, File.GetUnixFileMode(dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "switchboard.db")));
        Assert.Null(Open(dir)); // and a second start takes what the first made
    }

    [Fact]
    public void The_default_directory_follows_XDG_DATA_HOME_else_the_home_directory()
    {
        Assert.Equal("/x/data/switchboard", DataStore.DefaultDirectory("/x/data", "/home/a"));
        Assert.Equal("/home/a/.local/share/switchboard", DataStore.DefaultDirectory(null, "/home/a"));
        Assert.Equal("/home/a/.local/share/switchboard", DataStore.DefaultDirectory("relative/dir", "/home/a"));
    }

    [Fact]
    public void A_directory_open_to_other_users_is_refused_with_the_fix()
    {
        var dir = Dir(Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var problem = Open(dir);
        Assert.Contains($"data directory {dir} is mode 0755", problem);
        Assert.Contains($"chmod 700 {dir}", problem);
    }

    [Fact]
    public void A_database_open_to_other_users_is_refused_with_the_fix()
    {
        var dir = Dir();
        var file = Path.Combine(dir, "switchboard.db");
        File.WriteAllBytes(file, []);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.GroupRead);
        Assert.Contains($"data file {file} is mode 0644, open to other users; make it private: chmod 600 {file}", Open(dir));
    }

    // An operator's finding: a data directory its owner may not write in (mode 0500) was refused, for a user other than
    // root, with .NET's words about a lock file it could not make ("cannot claim the data directory D (D/server.lock):
    // Access to the path 'D/server.gate' is denied."), naming neither the mode nor the fix; root was let in.
    [Fact]
    public void A_directory_its_owner_may_not_write_in_is_refused_with_its_mode_and_the_fix()
    {
        var dir = Dir();
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Assert.Equal($"data directory {dir} is mode 0500, which does not let its owner write in it; chmod 700 {dir}", Open(dir));
    }

    [Fact]
    public void A_database_its_owner_may_not_write_is_refused_with_its_mode_and_the_fix()
    {
        var dir = Dir();
        var file = Path.Combine(dir, "switchboard.db");
        File.WriteAllBytes(file, []);
        File.SetUnixFileMode(file, UnixFileMode.UserRead);
        Assert.Equal($"data file {file} is mode 0400, which does not let its owner write it; chmod 600 {file}", Open(dir));
    }

    [Fact]
    public void A_database_of_another_user_is_refused()
    {
        var dir = Dir();
        var file = Path.Combine(dir, "switchboard.db");
        File.WriteAllBytes(file, []);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown(file, "65534");
        Assert.Contains($"data file {file} belongs to uid 65534, not to this user", Open(dir));
    }

    [Fact]
    public void A_symbolic_link_in_place_of_the_directory_is_refused()
    {
        var real = Dir();
        var link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, real);
        Assert.Contains($"data directory {link} is a symbolic link (to {real}); give --data the directory itself: --data {real}", Open(link));
    }

    // A new user's finding: a file given as --data was told "(a symbolic link or something else)".
    [Fact]
    public void A_file_in_place_of_the_directory_is_refused_as_a_file()
    {
        var file = Path.Combine(_root, "afile");
        Directory.CreateDirectory(_root);
        File.WriteAllBytes(file, []);
        Assert.Equal($"data directory {file} is a file, not a directory; give --data a directory (it is made when missing)", Open(file));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_not_overwritten()
    {
        var dir = Dir();
        var file = Path.Combine(dir, "switchboard.db");
        var junk = new byte[8192];
        new Random(21).NextBytes(junk);
        File.WriteAllBytes(file, junk);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains($"data file {file} is not a sound SQLite database", Open(dir));
        Assert.Equal(junk, File.ReadAllBytes(file));
    }

    // An operator tester's finding: a server started on another program's SQLite file added its tables to it (restore
    // refused the same file). It is refused whole, and left as it was.
    [Fact]
    public void Another_programs_sqlite_database_is_refused_and_left_as_it_was()
    {
        var dir = Dir();
        var file = Path.Combine(dir, "switchboard.db");
        using (var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
        {
            other.Open();
            using var make = other.CreateCommand();
            make.CommandText = "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine');";
            make.ExecuteNonQuery();
        }
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = File.ReadAllBytes(file);

        Assert.Equal($"data file {file} is another program's SQLite database (its tables: notes), not a Switchboard store; give --data a directory of its own",
            Open(dir));
        Assert.Equal(before, File.ReadAllBytes(file));
    }

    // What the check takes for the schema's own tables is what the schema makes.
    [Fact]
    public void The_schemas_tables_are_those_its_statements_make()
    {
        using var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        using (var make = db.CreateCommand())
        {
            make.CommandText = SqliteSchema.Statements;
            make.ExecuteNonQuery();
        }
        using var list = db.CreateCommand();
        list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        var made = new List<string>();
        using (var reader = list.ExecuteReader())
            while (reader.Read()) made.Add(reader.GetString(0));
        Assert.Equal(SqliteSchema.Tables.Order(), made.Order());
    }

    [Fact]
    public void A_database_another_process_holds_locked_is_refused()
    {
        var dir = Dir();
        Assert.Null(Open(dir));
        var file = Path.Combine(dir, "switchboard.db");
        using var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        holder.Open();
        using (var take = holder.CreateCommand())
        {
            take.CommandText = "PRAGMA journal_mode=DELETE; BEGIN EXCLUSIVE;";
            take.ExecuteNonQuery();
        }
        Assert.Contains($"data file {file} is locked by another process", Open(dir));
    }

    [TmpfsFact]
    public void A_database_on_a_full_disk_is_refused_saying_the_disk_is_full_not_an_io_error()
    {
        using var disk = Tmpfs.Mount("1M");
        var dir = Path.Combine(disk.Path, "data");
        Assert.Null(Open(dir)); // made while there was room; its write-ahead log goes with its last connection
        disk.Fill("filler");
        var problem = Open(dir);
        // SQLite says "disk I/O error" when it cannot make the log's index: an operator would look at the hardware.
        Assert.Contains($"cannot open data file {Path.Combine(dir, "switchboard.db")}: no space left on its disk", problem);
        Assert.Contains("free space", problem);
    }

    static void Chown(string path, string owner)
    {
        using var p = Process.Start(new ProcessStartInfo("chown", [owner, path]) { RedirectStandardError = true })!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "chown: " + p.StandardError.ReadToEnd());
    }
}
