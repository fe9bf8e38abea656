using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// The single host's journal writer: a write completes once its rows are committed (another connection reads them);
/// writes from several callers commit together; a transaction that fails (a sequence number the file already holds)
/// fails every write in it and leaves none of its rows, and the writer goes on with the next; deletes do what the plugin's
/// do; after it stops, writes fail.
/// </summary>
public sealed class JournalWriterSpecs : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-jwriter-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _file;

    public JournalWriterSpecs()
    {
        Directory.CreateDirectory(_dir);
        _file = Path.Combine(_dir, "journal.db");
        using var db = Connect();
        using (var wal = db.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }
        SqliteSchema.Ensure(db); // the plugin's tables, as a node makes them
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private SqliteConnection Connect()
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Pooling = false }.ToString());
        db.Open();
        return db;
    }

    private static JournalRowData Row(string pid, long seq) => new(pid, seq, [1, 2, (byte)seq], "posted", 4245, 639_000_000_000_000_000 + seq);

    private List<(string Pid, long Seq, long Deleted, string Manifest, long Serializer, long Timestamp)> Rows() =>
        Read("SELECT persistence_id, sequence_nr, is_deleted, manifest, serializer_id, timestamp FROM event_journal ORDER BY ordering",
            r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5)));

    private List<T> Read<T>(string query, Func<SqliteDataReader, T> row)
    {
        using var db = Connect();
        using var read = db.CreateCommand();
        read.CommandText = query;
        using var r = read.ExecuteReader();
        var rows = new List<T>();
        while (r.Read()) rows.Add(row(r));
        return rows;
    }

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _file, Pooling = false }.ToString();

    [Fact]
    public async Task Writes_complete_once_committed_with_the_plugins_columns()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await Task.WhenAll(
            writer.WriteAsync([Row("conversation-#a", 1), Row("conversation-#a", 2)]),
            writer.WriteAsync([Row("conversation-#b", 1)]),
            writer.WriteAsync([Row("conversation-#a", 3)]));
        var rows = Rows();
        Assert.Equal([("conversation-#a", 1L), ("conversation-#a", 2L), ("conversation-#b", 1L), ("conversation-#a", 3L)],
            rows.Select(r => (r.Pid, r.Seq)).ToList());
        Assert.All(rows, r => Assert.Equal((0L, "posted", 4245L, 639_000_000_000_000_000 + r.Seq), (r.Deleted, r.Manifest, r.Serializer, r.Timestamp)));
    }

    // The texts are bound as UTF-16 and stored as the file's UTF-8, as Microsoft.Data.Sqlite stored them: a name beyond
    // ASCII reads back the same, typed text; an empty manifest or payload is stored empty, not NULL (the payload may not be).
    [Fact]
    public async Task Texts_beyond_ascii_and_empty_values_are_stored_as_they_are()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        var pid = "conversation-dm:zoë:日本";
        await writer.WriteAsync([new JournalRowData(pid, 1, [0xff, 0, 7], "pösted", 4245, 1), new JournalRowData("conversation-#e", 1, [], "", 4245, 2)]);

        var rows = Read("SELECT persistence_id, typeof(persistence_id), hex(payload), typeof(payload), manifest, typeof(manifest) FROM event_journal ORDER BY ordering",
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5)));
        Assert.Equal([(pid, "text", "FF0007", "blob", "pösted", "text"), ("conversation-#e", "text", "", "blob", "", "text")], rows);
    }

    [Fact]
    public async Task A_failed_transaction_leaves_none_of_its_rows_then_the_next_one_commits()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await writer.WriteAsync([Row("conversation-#a", 1)]);
        // #b 1 would be new; #a 1 is in the file already.
        await Assert.ThrowsAsync<SqliteException>(() => writer.WriteAsync([Row("conversation-#b", 1), Row("conversation-#a", 1)]));
        Assert.Equal([("conversation-#a", 1L)], Rows().Select(r => (r.Pid, r.Seq)).ToList());
        await writer.WriteAsync([Row("conversation-#a", 2)]);
        Assert.Equal([("conversation-#a", 1L), ("conversation-#a", 2L)], Rows().Select(r => (r.Pid, r.Seq)).ToList());
    }

    // Writes that wait behind a held lock share transactions however the writer gathers them: each write's rows are in
    // the file exactly when it was answered success, and the clashing one never is.
    [Fact]
    public async Task Writes_sharing_a_failed_transaction_all_fail_and_none_of_their_rows_stay()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await writer.WriteAsync([Row("conversation-#a", 1)]);
        Task[] writes;
        using (var holder = Connect())
        {
            using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }
            writes = [writer.WriteAsync([Row("conversation-#b", 1)]), writer.WriteAsync([Row("conversation-#c", 1)]), writer.WriteAsync([Row("conversation-#a", 1)])];
            using var commit = holder.CreateCommand();
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }
        await Task.WhenAll(writes).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(writes[2].IsFaulted);
        var rows = Rows().Select(r => r.Pid).ToList();
        Assert.Equal(["conversation-#a", .. new[] { "conversation-#b", "conversation-#c" }.Where((_, i) => writes[i].IsCompletedSuccessfully)], rows);
        Assert.All(writes, w => Assert.True(w.IsCompletedSuccessfully || w.Exception!.InnerException is SqliteException));
    }

    // The plugin's own delete (BaseByteArrayJournalDao.Delete): what a persistence id had up to the sequence number is
    // gone but for the highest of it, kept flagged so the id's highest sequence number survives; others' rows stay.
    [Fact]
    public async Task A_delete_removes_the_ids_events_up_to_it_but_keeps_the_highest_flagged_and_leaves_other_ids_alone()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await writer.WriteAsync([.. Enumerable.Range(1, 5).Select(i => Row("conversation-#a", i)), Row("conversation-#b", 1), Row("conversation-#b", 2)]);

        await writer.DeleteToAsync("conversation-#a", 3);
        Assert.Equal([("conversation-#a", 3L, 1L), ("conversation-#a", 4L, 0L), ("conversation-#a", 5L, 0L), ("conversation-#b", 1L, 0L), ("conversation-#b", 2L, 0L)],
            Rows().Select(r => (r.Pid, r.Seq, r.Deleted)).ToList());

        await writer.DeleteToAsync("conversation-#a", 5);
        Assert.Equal([("conversation-#a", 5L, 1L), ("conversation-#b", 1L, 0L), ("conversation-#b", 2L, 0L)],
            Rows().Select(r => (r.Pid, r.Seq, r.Deleted)).ToList());
    }

    // As the plugin's delete leaves them, whatever the number: past the id's newest, the newest stays flagged; at or below
    // the one kept flagged by an earlier delete, nothing changes; to another id, only that id's rows move.
    [Fact]
    public async Task A_delete_past_the_newest_keeps_the_newest_flagged_and_one_to_an_id_already_deleted_changes_nothing()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await writer.WriteAsync([.. Enumerable.Range(1, 4).Select(i => Row("conversation-#a", i)), Row("conversation-#b", 1)]);

        await writer.DeleteToAsync("conversation-#a", 2);
        await writer.DeleteToAsync("conversation-#a", 1);
        await writer.DeleteToAsync("conversation-#a", 2);
        Assert.Equal([("conversation-#a", 2L, 1L), ("conversation-#a", 3L, 0L), ("conversation-#a", 4L, 0L), ("conversation-#b", 1L, 0L)],
            Rows().Select(r => (r.Pid, r.Seq, r.Deleted)).ToList());

        await writer.DeleteToAsync("conversation-#a", 99);
        await writer.DeleteToAsync("conversation-#c", 7);
        Assert.Equal([("conversation-#a", 4L, 1L), ("conversation-#b", 1L, 0L)], Rows().Select(r => (r.Pid, r.Seq, r.Deleted)).ToList());
    }

    // A released name's password hashes must leave the file, not linger in its free pages (nor in a backup, which copies
    // them): the writer's deletes overwrite what they remove, both a row on a page that stays (among other ids' rows) and
    // pages freed whole (a long payload's overflow pages), by the next checkpoint.
    [Fact]
    public async Task What_a_delete_removes_is_no_longer_anywhere_in_the_file_after_a_checkpoint()
    {
        var secret = "pbkdf2-hash-of-a-released-name"u8.ToArray();
        byte[] Holding(int copies) => [.. Enumerable.Repeat(secret, copies).SelectMany(b => b)];
        JournalRowData Account(long seq, byte[] payload) => new("account-alice", seq, payload, "reserved", 4245, 639_000_000_000_000_000 + seq);
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await writer.WriteAsync([Row("conversation-#a", 1), Account(1, Holding(1)), Row("conversation-#a", 2)]);
        await writer.WriteAsync([Account(2, Holding(500)), Account(3, [9]), Row("conversation-#a", 3)]); // ~15 KB: overflow pages
        Checkpoint();
        Assert.True(Occurrences(secret) > 0); // in the file itself now, not only in the log

        await writer.DeleteToAsync("account-alice", 3);
        Checkpoint();
        Assert.Equal(0, Occurrences(secret));
        Assert.Equal(["conversation-#a", "conversation-#a", "account-alice", "conversation-#a"], Rows().Select(r => r.Pid)); // the release stays
    }

    // Copies the log's pages into the file (what SQLite's own checkpoint does every 1000 pages), all of them.
    private void Checkpoint()
    {
        using var db = Connect();
        using var checkpoint = db.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint";
        using var r = checkpoint.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal((0L, r.GetInt64(1)), (r.GetInt64(0), r.GetInt64(2))); // not busy; every page of the log copied
    }

    private int Occurrences(byte[] bytes)
    {
        var file = File.ReadAllBytes(_file).AsSpan();
        var n = 0;
        for (var at = file.IndexOf(bytes); at >= 0; at = file[(at + 1)..].IndexOf(bytes) is var next and >= 0 ? at + 1 + next : -1) n++;
        return n;
    }

    [Fact]
    public async Task A_delete_removes_the_ids_tag_rows_up_to_it()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        using (var db = Connect())
        using (var tag = db.CreateCommand())
        {
            tag.CommandText = "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) VALUES " +
                              "(1, 't', 1, 'conversation-#a'), (2, 't', 2, 'conversation-#a'), (3, 't', 3, 'conversation-#a'), (4, 't', 1, 'conversation-#b')";
            tag.ExecuteNonQuery();
        }
        await writer.DeleteToAsync("conversation-#a", 2);
        using var read = Connect();
        using var tags = read.CreateCommand();
        tags.CommandText = "SELECT persistence_id || ':' || sequence_nr FROM tags ORDER BY ordering_id";
        using var r = tags.ExecuteReader();
        var left = new List<string>();
        while (r.Read()) left.Add(r.GetString(0));
        Assert.Equal(["conversation-#a:3", "conversation-#b:1"], left);
    }

    // Writes queued behind a delete are not held back by it, and a delete queued behind writes sees their rows.
    [Fact]
    public async Task Writes_and_deletes_queued_together_all_complete_in_order_of_their_ids()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        var jobs = new List<Task>();
        for (var i = 1; i <= 40; i++)
        {
            jobs.Add(writer.WriteAsync([Row("conversation-#a", i)]));
            if (i % 10 == 0) jobs.Add(writer.DeleteToAsync("conversation-#a", i - 2));
        }
        await Task.WhenAll(jobs);
        Assert.Equal([("conversation-#a", 38L, 1L), ("conversation-#a", 39L, 0L), ("conversation-#a", 40L, 0L)],
            Rows().Select(r => (r.Pid, r.Seq, r.Deleted)).ToList());
    }

    // Another process holding the write lock past the writer's wait: the write fails, and stays failed, nothing of it
    // committed once the lock is free (Akka answers it failed at its call-timeout; a commit after that would be a
    // message its sender was told to send again).
    [Fact]
    public async Task A_write_that_waited_too_long_for_the_lock_fails_and_is_never_committed_later()
    {
        using var writer = new JournalWriter(ConnectionString, WalSync.Normal, TimeSpan.FromSeconds(1));
        using (var holder = Connect())
        {
            using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }
            await Assert.ThrowsAsync<SqliteException>(() => writer.WriteAsync([Row("conversation-#a", 1)]));
            using var commit = holder.CreateCommand();
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }
        await writer.WriteAsync([Row("conversation-#b", 1)]); // the writer goes on; what failed is not retried
        Assert.Equal(["conversation-#b"], Rows().Select(r => r.Pid));
    }

    [Fact]
    public async Task After_it_stops_a_write_fails()
    {
        var writer = new JournalWriter(ConnectionString, WalSync.Normal);
        await writer.WriteAsync([Row("conversation-#a", 1)]);
        writer.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync([Row("conversation-#a", 2)]));
        Assert.Single(Rows());
    }
}
