using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// <c>ActorServer backup</c> and <c>restore</c> as a class: a copy taken while a node writes holds its accounts and
/// serves a node started on it; the copy is 0600 and self-contained; an existing target is never touched; a missing or
/// unreadable store is one line and exit code 1, before any target is made. A restore keeps the store it replaces
/// (with its write-ahead log, which never reaches the copy) and changes nothing when the backup is unusable.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataBackupSpecs() : TestKit(ActorTestConfig.Server()), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sb-backup-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ActorSystem> _nodes = [];
    private readonly StringWriter _out = new(), _err = new();

    private string Data => Path.Combine(_root, "data");
    private string Target => Path.Combine(_root, "copy.db");

    private int Backup(string? dir, string target) => DataBackup.Backup(dir, target, null, _out, _err);

    private int Restore(string backup, string dir) => DataBackup.Restore(backup, dir, null, _out, _err);

    // A restore of Target into Data refused: its exit code and line, and nothing in the directory changed.
    private void AssertRestoreRefused(int code, string error)
    {
        var store = Path.Combine(Data, "switchboard.db");
        var before = File.ReadAllBytes(store);
        Assert.Equal(code, Restore(Target, Data));
        Assert.Contains(error, _err.ToString());
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Empty(Directory.GetFiles(Data, "*restor*"));
    }

    private IActorRef Node(string dir)
    {
        var (config, store) = AccountTestConfig.Sqlite(dir);
        var system = AccountTestConfig.System($"node{_nodes.Count}", config, store);
        _nodes.Add(system);
        return system.StartStore(store).Accounts!;
    }

    private int Reserve(IActorRef accounts, string name, string password)
    {
        accounts.Tell(new AccountRequest(name, "127.0.0.1", new AccountCommand(1, AccountAction.Reserve, password)), TestActor);
        return ExpectMsg<AccountAnswer>(Wait).Outcome.Code;
    }

    private object Verify(IActorRef accounts, string name, string? password)
    {
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim(name, TestActor), password, "127.0.0.1"), TestActor);
        return ExpectMsg<object>(m => m is ClaimVerified or ClaimDenied, Wait);
    }

    [Fact]
    public void A_copy_taken_while_a_node_runs_holds_its_accounts_and_a_node_started_on_it_enforces_them()
    {
        var running = Node(Data);
        Assert.Equal(Codes.Ok, Reserve(running, "alice", "wonderland"));

        Assert.Equal(0, Backup(Data, Target));
        Assert.Equal("", _err.ToString());
        Assert.StartsWith($"backed up {Path.Combine(Data, "switchboard.db")} to {Target} (", _out.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Target));
        Assert.False(File.Exists(Target + "-wal")); // one self-contained file
        // The node goes on writing after the copy: what it writes is not in the copy.
        Assert.Equal(Codes.Ok, Reserve(running, "bob", "builder"));

        // Restored into a fresh directory: made 0700, the store 0600.
        var restored = Path.Combine(_root, "restored");
        Assert.Equal(0, Restore(Target, restored));
        Assert.Equal($"restored {Target} as {Path.Combine(restored, "switchboard.db")}\n", _out.ToString()[_out.ToString().IndexOf("restored ", StringComparison.Ordinal)..]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(restored));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(restored, "switchboard.db")));
        var second = Node(restored);
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(second, "alice", null)).Code);
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(second, "alice", "looking-glass")).Code);
        Assert.IsType<ClaimVerified>(Verify(second, "alice", "wonderland"));
        Assert.IsType<ClaimVerified>(Verify(second, "bob", null)); // reserved after the copy: a guest's name there
    }

    [Fact]
    public void An_existing_target_is_refused_with_exit_code_3_and_left_as_it_was()
    {
        Node(Data);
        Directory.CreateDirectory(_root);
        File.WriteAllText(Target, "yesterday's backup");
        Assert.Equal(3, Backup(Data, Target));
        Assert.Equal($"backup: {Target} already exists; refusing to overwrite it (choose a new name, or remove it first)\n", _err.ToString());
        Assert.Equal("yesterday's backup", File.ReadAllText(Target));

        var link = Path.Combine(_root, "dangling.db");
        File.CreateSymbolicLink(link, Path.Combine(_root, "nowhere.db"));
        Assert.Equal(3, Backup(Data, link));
        Assert.False(File.Exists(Path.Combine(_root, "nowhere.db"))); // the link was not followed
    }

    [Fact]
    public void No_directory_or_no_store_there_is_exit_code_1_naming_what_is_missing()
    {
        Assert.Equal(1, Backup(Data, Target));
        Assert.Contains($"backup: no data directory {Data} (give --data the directory the server runs with)", _err.ToString());
        Directory.CreateDirectory(Data);
        Assert.Equal(1, Backup(Data, Target));
        Assert.Contains($"backup: no data store in {Data}: {Path.Combine(Data, "switchboard.db")} does not exist", _err.ToString());
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public void A_data_file_that_is_not_a_database_is_exit_code_1_and_no_target_is_made()
    {
        Directory.CreateDirectory(Data);
        File.WriteAllText(Path.Combine(Data, "switchboard.db"), "this is not a database, whatever its name says, and it is long enough to have a header");
        Assert.Equal(1, Backup(Data, Target));
        Assert.Contains($"backup: cannot read data store {Path.Combine(Data, "switchboard.db")}: SQLite Error 26", _err.ToString());
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public void A_target_in_a_missing_directory_is_exit_code_3_naming_the_directory_to_make()
    {
        Node(Data);
        var dir = Path.Combine(_root, "no-such-dir");
        var target = Path.Combine(dir, "copy.db");
        Assert.Equal(3, Backup(Data, target));
        Assert.Equal($"backup: cannot write {target}: the directory {dir} does not exist (make it first: mkdir -p {dir})\n", _err.ToString());
    }

    [Fact]
    public async Task A_restore_over_a_store_keeps_the_old_one_with_its_log_beside_it_and_the_old_log_never_reaches_the_copy()
    {
        var first = Node(Data);
        Assert.Equal(Codes.Ok, Reserve(first, "alice", "wonderland"));
        Assert.Equal(0, Backup(Data, Target));
        Assert.Equal(Codes.Ok, Reserve(first, "bob", "builder")); // after the backup
        // The old store as a node killed now leaves it, copied while the node is idle into a directory no connection
        // ever opened: the file and its write-ahead log, bob's reservation among the log's frames. The node's own files
        // cannot stand in: whichever of its connections closes last checkpoints the log and deletes it.
        var killed = Path.Combine(_root, "killed");
        Directory.CreateDirectory(killed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var store = Path.Combine(killed, "switchboard.db");
        File.Copy(Path.Combine(Data, "switchboard.db"), store);
        File.Copy(Path.Combine(Data, "switchboard.db-wal"), store + "-wal");
        await _nodes[0].Terminate();

        Assert.Equal(0, Restore(Target, killed));
        var kept = Assert.Single(Directory.GetFiles(killed, "switchboard.db.before-restore-*"), f => !f.EndsWith("-wal", StringComparison.Ordinal));
        Assert.Contains($"; the store it replaced is kept as {kept}", _out.ToString());
        Assert.True(File.Exists(kept + "-wal"));
        var second = Node(killed);
        Assert.IsType<ClaimVerified>(Verify(second, "alice", "wonderland"));
        Assert.IsType<ClaimVerified>(Verify(second, "bob", null)); // as of the backup: the old log was not applied to it
    }

    [Fact]
    public void A_backup_that_is_missing_or_not_a_database_changes_nothing_and_is_exit_code_1()
    {
        Assert.Equal(Codes.Ok, Reserve(Node(Data), "alice", "wonderland"));
        AssertRestoreRefused(1, $"restore: no backup at {Target}");
        File.WriteAllText(Target, "this is not a database, whatever its name says, and it is long enough to have a header");
        AssertRestoreRefused(1, $"restore: cannot read backup {Target}: SQLite Error 26");
    }

    // A new user's finding: an empty file (a copy that never happened) was called "an SQLite file but not a Switchboard
    // store", which SQLite takes it for.
    [Fact]
    public void An_empty_backup_is_said_to_be_empty_and_changes_nothing()
    {
        Assert.Equal(Codes.Ok, Reserve(Node(Data), "alice", "wonderland"));
        File.WriteAllBytes(Target, []);
        AssertRestoreRefused(1, $"restore: {Target} is empty (0 bytes), not a backup; nothing was changed");
    }

    [Fact]
    public void A_sound_sqlite_file_that_is_not_a_store_is_refused_and_changes_nothing()
    {
        Assert.Equal(Codes.Ok, Reserve(Node(Data), "alice", "wonderland"));
        using (var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Target, Pooling = false }.ToString()))
        {
            other.Open();
            using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE recipes (name TEXT)";
            create.ExecuteNonQuery();
        }
        AssertRestoreRefused(1, $"restore: {Target} is an SQLite file but not a Switchboard store (no event_journal table); nothing was changed");
    }

    [Fact]
    public void A_restore_while_a_server_keeps_the_directory_is_refused_with_exit_code_3_and_changes_nothing()
    {
        Assert.Equal(Codes.Ok, Reserve(Node(Data), "alice", "wonderland"));
        Assert.Equal(0, Backup(Data, Target));
        using (var running = new HistoryKeeperLock(Data)) // what a server on the directory holds
        {
            Assert.True(running.TryTake());
            AssertRestoreRefused(3, $"restore: a server is running on {Data} (it holds {Path.Combine(Data, "history.lock")}): stop every server that uses it first");
        }
        // Once it has stopped, the same restore goes through.
        Assert.Equal(0, Restore(Target, Data));
    }

    public new void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(TimeSpan.FromSeconds(10));
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        base.Dispose();
    }
}
