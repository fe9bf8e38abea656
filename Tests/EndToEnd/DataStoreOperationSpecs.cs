using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// The data store as an operator meets it, on real processes: a backup taken while the server runs and restored into a
/// fresh data directory keeps alice's name hers; a full disk answers account changes 503 while everything else goes
/// on, and recovers by itself when space is freed; a data file deleted under the server is a 503 and one log line.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataStoreOperationSpecs : IDisposable
{
    private const string AlicePassword = "down-the-rabbit-hole-42";
    // A process's exit (or a tool's whole run): a .NET start and an actor system's shutdown, seconds on a loaded box.
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _dir = Directory.CreateTempSubdirectory("sbstore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Secret(string text)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text + "\n");
        File.SetUnixFileMode(path, Private);
        return path;
    }

    private static async Task<int> RegisterAsync(ServerNode server, string name, params string[] extra)
    {
        await using var client = await ClientSession.StartAsync(name, server.Address, extra);
        return client.Registration.GetProperty("code").GetInt32();
    }

    [Fact]
    public async Task A_backup_taken_while_the_server_runs_restored_into_a_fresh_data_directory_keeps_alices_name_hers()
    {
        var data = Path.Combine(_dir, "data");
        var copy = Path.Combine(_dir, "switchboard-backup.db");
        var password = Secret(AlicePassword);
        await using (var server = await ServerNode.StartAsync(extra: ["--data", data]))
        {
            await using (var alice = await server.ConnectAsync("alice", "--password-file", password))
                Assert.Equal("reserved", (await alice.SendAsync("reserve")).GetProperty("result").GetString());
            await using var bob = await server.ConnectAsync("bob"); // a session online while the copy is taken

            await using (var backup = new ChildProcess(Binaries.Server, ["backup", "--data", data, "--to", copy], redirectInput: false))
            {
                Assert.Equal(0, await backup.WaitForExitAsync(Exit));
                Assert.Contains($"backed up {Path.Combine(data, "switchboard.db")} to {copy}", backup.StdOut);
            }
            Assert.Equal(Private, File.GetUnixFileMode(copy));
            await using (var again = new ChildProcess(Binaries.Server, ["backup", "--data", data, "--to", copy], redirectInput: false))
            {
                Assert.Equal(3, await again.WaitForExitAsync(Exit));
                Assert.Contains("already exists; refusing to overwrite it", again.StdErr);
            }
            Assert.Equal(2, (await bob.SendAsync("calc 1 + 1")).GetProperty("result").GetInt64());
            await server.StopAsync();
        }

        // Restored into a fresh data directory, the server stopped.
        var restored = Path.Combine(_dir, "restored");
        await using (var restore = new ChildProcess(Binaries.Server, ["restore", "--from", copy, "--data", restored], redirectInput: false))
        {
            Assert.Equal(0, await restore.WaitForExitAsync(Exit));
            Assert.Contains($"restored {copy} as {Path.Combine(restored, "switchboard.db")}", restore.StdOut);
        }
        await using var second = await ServerNode.StartAsync(extra: ["--data", restored]);
        Assert.Equal(403, await RegisterAsync(second, "alice"));
        Assert.Equal(403, await RegisterAsync(second, "alice", "--password-file", Secret("mallory-guesses")));
        Assert.Equal(200, await RegisterAsync(second, "alice", "--password-file", password));
    }

    [Fact]
    public async Task Status_and_metrics_say_how_much_disk_the_store_takes_and_how_much_is_free()
    {
        var monitor = FreePorts.Next();
        var data = Path.Combine(_dir, "sized");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data, "--monitor", $"127.0.0.1:{monitor}"]);
        await using (var alice = await server.ConnectAsync("alice", "--password-file", Secret(AlicePassword)))
            Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{monitor}") };
        var store = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/status")).RootElement.GetProperty("store");
        // Read at the request: at least the database file as it is now (its log and index come on top).
        Assert.True(store.GetProperty("bytes").GetInt64() >= new FileInfo(Path.Combine(data, "switchboard.db")).Length, store.ToString());
        Assert.True(store.GetProperty("freeBytes").GetInt64() > 0, store.ToString());
        Assert.True(MonitorEndpointSpecs.Value(await http.GetStringAsync("/metrics"), "switchboard_store_size_bytes") > 0);
    }

    [Fact]
    public async Task History_queries_in_the_metrics_count_the_history_commands_clients_sent_not_the_replays_of_their_joins()
    {
        var monitor = FreePorts.Next();
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "queried"), "--monitor", $"127.0.0.1:{monitor}"]);
        await using (var alice = await server.ConnectAsync("alice"))
        {
            Assert.Equal(200, (await alice.SendAsync("join lobby")).GetProperty("code").GetInt32());
            Assert.Equal(200, (await alice.SendAsync("say #lobby hi")).GetProperty("code").GetInt32());
            Assert.Equal(200, (await alice.SendAsync("leave lobby")).GetProperty("code").GetInt32());
            Assert.Equal(200, (await alice.SendAsync("join lobby")).GetProperty("code").GetInt32()); // replays "hi" from the store
            Assert.Equal(1, (await alice.SendAsync("history #lobby")).GetProperty("lastId").GetInt64());
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{monitor}") };
        // An operator reads it as what users asked: two joins' replays are not two more queries.
        Assert.Equal(1, MonitorEndpointSpecs.Value(await http.GetStringAsync("/metrics"), "switchboard_history_queries_total"));
    }

    [TmpfsFact]
    public async Task A_full_disk_answers_account_changes_503_serves_everything_else_and_recovers_once_space_is_freed()
    {
        using var disk = Tmpfs.Mount("1M");
        var monitor = FreePorts.Next();
        var password = Secret(AlicePassword);
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(disk.Path, "data"), "--monitor", $"127.0.0.1:{monitor}"]);
        await using (var alice = await server.ConnectAsync("alice", "--password-file", password))
            Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());

        Assert.True(disk.Fill("filler") > 0);
        await using var bob = await server.ConnectAsync("bob", "--password-file", Secret("builder-builder"));
        Assert.Equal(200, bob.Registration.GetProperty("code").GetInt32()); // reading the accounts needs no space
        var full = await bob.SendAsync("reserve");
        Assert.Equal(503, full.GetProperty("code").GetInt32());
        Assert.Equal("the change was not saved: the server's data store is full (no space left on its disk); try again later", full.GetProperty("error").GetString());
        Assert.Equal(503, (await bob.SendAsync("reserve")).GetProperty("code").GetInt32()); // and again: nothing stuck, just no space
        // A room message (always kept on a single host) says the same of the history.
        Assert.Equal(200, (await bob.SendAsync("join lobby")).GetProperty("code").GetInt32());
        var unkept = await bob.SendAsync("say #lobby kept?");
        Assert.Equal((503, HistoryText.StoreFull), (unkept.GetProperty("code").GetInt32(), unkept.GetProperty("error").GetString()));
        Assert.Equal(42, (await bob.SendAsync("calc 6 * 7")).GetProperty("result").GetInt64());
        Assert.Equal(200, await RegisterAsync(server, "carol"));
        Assert.Equal(200, await RegisterAsync(server, "alice", "--password-file", password));
        Assert.Equal(403, await RegisterAsync(server, "alice"));
        await server.Process.WaitForStdErrAsync("account 'bob': the journal could not write event 1: SQLite Error 13: 'database or disk is full' (disk full: free space, no restart needed)", Exit);

        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{monitor}") })
        {
            var metrics = await http.GetStringAsync("/metrics");
            Assert.Equal(3, MonitorEndpointSpecs.Value(metrics, "switchboard_store_write_failures_total")); // two reserves, a room message
            Assert.Equal(1, MonitorEndpointSpecs.Value(metrics, "switchboard_store_write_duration_seconds_count")); // alice's reserve
        }

        File.Delete(Path.Combine(disk.Path, "filler"));
        Assert.Equal("reserved", (await bob.SendAsync("reserve")).GetProperty("result").GetString());
        Assert.False(server.Process.HasExited);
        await server.StopAsync();
        Assert.Equal(0, server.Process.ExitCode);
    }

    [Fact]
    public async Task A_data_file_deleted_under_the_server_is_a_503_for_changes_and_one_log_line_not_a_crash()
    {
        var data = Path.Combine(_dir, "data");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data]);
        await using var bob = await server.ConnectAsync("bob", "--password-file", Secret("builder-builder"));
        var file = Path.Combine(data, "switchboard.db");
        File.Delete(file);

        var refused = await bob.SendAsync("reserve");
        Assert.Equal(503, refused.GetProperty("code").GetInt32());
        Assert.Contains("the server's data store is out of reach", refused.GetProperty("error").GetString());
        Assert.Equal(503, (await bob.SendAsync("reserve")).GetProperty("code").GetInt32());
        await server.Process.WaitForStdErrAsync($"data file {file} is gone (deleted or moved away while the server ran): account changes are answered 503", Exit);
        Assert.Single(server.Process.StdErr.Split('\n'), l => l.Contains($"data file {file} is gone")); // once, not per refusal
        Assert.False(File.Exists(file)); // nothing made an empty store in its place
        Assert.Equal(7, (await bob.SendAsync("calc 3 + 4")).GetProperty("result").GetInt64());
        await server.StopAsync();
        Assert.Equal(0, server.Process.ExitCode);
    }

    // Tester (2026-12-07): another process holding SQLite's write lock (sqlite3 DIR/switchboard.db, BEGIN IMMEDIATE; left
    // open) made kept DMs 503, right, but the log said only "could not be read from the store System.TimeoutException".
    [Fact]
    public async Task A_data_file_locked_by_another_process_is_logged_as_such_once_and_written_again_once_released()
    {
        var data = Path.Combine(_dir, "data");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data]);
        await using var alice = await server.ConnectAsync("alice", "--password-file", Secret(AlicePassword));
        Assert.Equal("reserved", (await alice.SendAsync("reserve")).GetProperty("result").GetString());
        await using var bob = await server.ConnectAsync("bob");
        var file = Path.Combine(data, "switchboard.db");
        var locked = $"data file {file} is locked by another process (pid {Environment.ProcessId}, "; // this test's
        await using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await other.OpenAsync();
            await using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }
            Assert.Equal(503, (await bob.SendAsync("tell alice while locked")).GetProperty("code").GetInt32());
            Assert.Equal(503, (await bob.SendAsync("tell alice still locked")).GetProperty("code").GetInt32());
            await server.Process.WaitForStdErrAsync(locked, Exit);
            Assert.Single(server.Process.StdErr.Split('\n'), l => l.Contains(locked)); // once an episode, not per request
            Assert.Contains("written again by themselves once it lets go (no restart needed)", server.Process.StdErr);
            Assert.DoesNotContain("System.TimeoutException", server.Process.StdErr);
        }
        Assert.Equal("delivered", (await bob.SendAsync("tell alice released")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_data_file_moved_away_is_logged_with_the_fix_that_needs_no_restart_and_written_again_once_put_back()
    {
        var data = Path.Combine(_dir, "data");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data]);
        await using var bob = await server.ConnectAsync("bob", "--password-file", Secret("builder-builder"));
        Assert.Equal(200, (await bob.SendAsync("join lobby")).GetProperty("code").GetInt32());
        var file = Path.Combine(data, "switchboard.db");
        var away = Path.Combine(_dir, "moved-away.db");
        File.Move(file, away);

        Assert.Equal(503, (await bob.SendAsync("reserve")).GetProperty("code").GetInt32());
        Assert.Equal(503, (await bob.SendAsync("say #lobby kept?")).GetProperty("code").GetInt32());
        // Both say the fix an operator who moved it by mistake needs, not only a restore with the server stopped.
        await server.Process.WaitForStdErrAsync("account changes are answered 503 until it is back: put the same file back (no restart needed)", Exit);
        await server.Process.WaitForStdErrAsync("kept messages are answered 503 until it is back: put the same file back (no restart needed)", Exit);

        File.Move(away, file);
        Assert.Equal("reserved", (await bob.SendAsync("reserve")).GetProperty("result").GetString());
        Assert.Equal(200, (await bob.SendAsync("say #lobby kept")).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_write_ahead_log_deleted_under_the_server_is_a_503_for_kept_messages_and_changes_and_a_clean_restart_keeps_what_it_held()
    {
        var data = Path.Combine(_dir, "data");
        var wal = Path.Combine(data, "switchboard.db-wal");
        List<string> acknowledged = ["in the log"];
        await using (var server = await ServerNode.StartAsync(extra: ["--data", data]))
        {
            await using var bob = await server.ConnectAsync("bob", "--password-file", Secret("builder-builder"));
            Assert.Equal(200, (await bob.SendAsync("join lobby")).GetProperty("code").GetInt32());
            Assert.Equal(200, (await bob.SendAsync("say #lobby in the log")).GetProperty("code").GetInt32());
            File.Delete(wal);

            // Before, every one was acknowledged into the log the server still had open, and lost with it at a kill -9. The
            // node hears of the side files from its directory's watcher, a moment after: a say answered before that is
            // written to the log and must be kept by the clean stop below.
            for (var i = 0; ; i++)
            {
                var code = (await bob.SendAsync($"say #lobby after {i}")).GetProperty("code").GetInt32();
                if (code == 503) break;
                Assert.Equal(200, code);
                acknowledged.Add($"after {i}");
                Assert.True(i < 20, "kept messages still acknowledged after 20 says with the log deleted");
            }
            Assert.Equal(503, (await bob.SendAsync("reserve")).GetProperty("code").GetInt32());
            await server.Process.WaitForStdErrAsync($"the data file's write-ahead log {wal} was deleted or replaced while the server ran", Exit);
            await server.Process.WaitForStdErrAsync("stop the server cleanly now (SIGTERM or Ctrl-C, not kill -9", Exit);
            Assert.Equal(7, (await bob.SendAsync("calc 3 + 4")).GetProperty("result").GetInt64());
            await server.StopAsync();
            Assert.Equal(0, server.Process.ExitCode);
        }
        await using var again = await ServerNode.StartAsync(extra: ["--data", data]);
        await using var carol = await again.ConnectAsync("carol");
        Assert.Equal(200, (await carol.SendAsync("join lobby")).GetProperty("code").GetInt32());
        var kept = (await carol.SendAsync("history #lobby")).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToArray();
        Assert.Equal(acknowledged, kept);
    }

    // Hostile tester hC (2026-12-07): with DIR/history.lock deleted under the keeper, a second node of the segment took a
    // new one and both kept the history (their writes to #lobby clashed on the journal's key); with DIR/server.lock
    // deleted, a server of another segment started on the directory. The node that held the file now stops writing.
    [Theory]
    [InlineData("history.lock", "the history's lock")]
    [InlineData("server.lock", "the data directory's claim")]
    public async Task A_lock_file_deleted_under_the_node_holding_it_stops_its_kept_messages_and_says_to_restart(string file, string what)
    {
        var data = Path.Combine(_dir, "data");
        await using var server = await ServerNode.StartAsync(extra: ["--data", data]);
        await using var bob = await server.ConnectAsync("bob");
        Assert.Equal(200, (await bob.SendAsync("join lobby")).GetProperty("code").GetInt32());
        Assert.Equal(200, (await bob.SendAsync("say #lobby before")).GetProperty("code").GetInt32());
        File.Delete(Path.Combine(data, file));

        // Heard from the directory's watcher a moment after: a say may be acknowledged before that, none for long.
        for (var i = 0; ; i++)
        {
            var code = (await bob.SendAsync($"say #lobby after {i}")).GetProperty("code").GetInt32();
            if (code == 503) break;
            Assert.Equal(200, code);
            Assert.True(i < 20, $"kept messages still acknowledged after 20 says with {file} deleted");
        }
        await server.Process.WaitForStdErrAsync($"{what} {Path.Combine(data, file)} was deleted or replaced while the server ran", Exit);
        await server.Process.WaitForStdErrAsync("stop this node and start it again", Exit);
        Assert.Equal(7, (await bob.SendAsync("calc 3 + 4")).GetProperty("result").GetInt64());
    }
}
