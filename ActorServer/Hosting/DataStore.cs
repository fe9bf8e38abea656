using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// The node's durable store (single-host mode): one SQLite file in the data directory (<c>--data DIR</c>, by default
/// <c>$XDG_DATA_HOME/switchboard</c> or <c>~/.local/share/switchboard</c>), under Akka.Persistence with
/// Akka.Persistence.Sql. Checked before anything starts: the directory is created 0700 and the file 0600; a directory
/// or file of another user, open to other users, locked by another process or not a sound SQLite database is refused
/// with one line naming it (<see cref="DataStoreCheck"/>). Akka.Persistence.Sql.Hosting is served only at an older Akka
/// version, so the plugin is wired with hocon: server.hocon's <c>akka.persistence</c> section, the connection string
/// made here, and the plugin's own defaults (<see cref="SqlPersistence.DefaultConfiguration"/>) as the fallback; and
/// with <see cref="Setup"/>, which sets up each of its connections (<see cref="DataConnections"/>).
/// </summary>
public sealed record DataStore(string Directory, string DatabasePath, AccountSettings Accounts, HistorySettings History, WalSync Sync)
    : IDataStore
{
    /// <summary>Whether the file is still the one opened at start (made once the checks have passed).</summary>
    public DataFileGuard Guard { get; } = new(DatabasePath);

    DataFileGuard? IDataStore.Guard => Guard;

    /// <summary>The plugin's linq2db options (journal, snapshots, queries): this file, each connection set to
    /// <see cref="Sync"/> and a busy timeout as it opens.</summary>
    public DataOptions DataOptions { get; } = DataConnections.Options(ConnectionString(DatabasePath), Sync);

    /// <summary><see cref="DataOptions"/> as the actor system hands them to the plugin. A system without it still works,
    /// at SQLite's defaults (synchronous=FULL, and Microsoft.Data.Sqlite's 150 ms sleeps on a busy lock).</summary>
    public DataOptionsSetup Setup => new(DataOptions);

    /// <summary>Per user, as the XDG base directory specification has it.</summary>
    // DoNotVerify: without it a HOME that does not exist (/nonexistent) is "", and the default became relative to the
    // working directory, another store wherever the server was started from.
    public static string DefaultDirectory() =>
        DefaultDirectory(Environment.GetEnvironmentVariable("XDG_DATA_HOME"),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify));

    /// <summary>The same from the variable's value and the home directory (a relative XDG_DATA_HOME is ignored, as the
    /// specification says).</summary>
    public static string DefaultDirectory(string? xdgDataHome, string home) => Path.Combine(
        string.IsNullOrEmpty(xdgDataHome) || !Path.IsPathRooted(xdgDataHome) ? Path.Combine(home, ".local", "share") : xdgDataHome,
        "switchboard");

    /// <summary>The store in <paramref name="directory"/> (the default when null), checked and made ready; or null with
    /// <paramref name="problem"/> and the exit code (1: the directory or file may not be used, 2: bad settings).</summary>
    /// <summary>The data directory <c>--data</c> names, or the default one, as a full path.</summary>
    public static string DirectoryOf(string? directory) => Path.GetFullPath(directory ?? DefaultDirectory());

    public static DataStore? Open(string? directory, Config hocon, out string? problem, out int exitCode)
    {
        exitCode = 2;
        AccountSettings accounts;
        HistorySettings history;
        string file;
        WalSync sync;
        try
        {
            accounts = AccountSettings.Create(hocon);
            history = HistorySettings.Create(hocon);
            file = hocon.RequiredString("switchboard.data.file");
            sync = DataConnections.SyncOf(hocon);
        }
        catch (ConfigurationException ex)
        {
            problem = $"bad configuration: {ex.Message}";
            return null;
        }
        exitCode = 1;
        var dir = DirectoryOf(directory);
        var path = Path.Combine(dir, file);
        var existed = File.Exists(path);
        problem = DataStoreCheck.Prepare(dir, path);
        return problem is null ? new DataStore(dir, path, accounts, history, sync) { Created = !existed } : null;
    }

    /// <summary>This start made the file (it was not there before <see cref="Open"/>).</summary>
    public bool Created { get; private init; }

    /// <summary>A start refused after the file was made (the segment's nodes keep another store): the empty store it made
    /// goes, so a server that never ran leaves no data file behind. Nothing but the schema is in it then.</summary>
    public void RemoveIfCreated()
    {
        if (!Created) return;
        SqliteConnection.ClearAllPools();
        try
        {
            foreach (var f in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm", DatabasePath + "-journal" })
                File.Delete(f);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The refusal already said why the start failed; an empty store left behind is harmless.
        }
    }

    /// <summary>The plugin's connection strings (journal, snapshots, queries), all to this one file. Never created by
    /// them (<c>Mode=ReadWrite</c>): the checks made it 0600, and a file deleted under the node must fail the next
    /// connection, not come back empty with the umask's mode.</summary>
    public Config Hocon
    {
        get
        {
            var quoted = System.Text.Json.JsonSerializer.Serialize(ConnectionString(DatabasePath));
            return ConfigurationFactory.ParseString($$"""
                akka.persistence.journal.sql.connection-string = {{quoted}}
                akka.persistence.journal.sql.class = "{{typeof(SqliteJournal).FullName}}, ActorServer"
                akka.persistence.snapshot-store.sql.connection-string = {{quoted}}
                akka.persistence.query.journal.sql.connection-string = {{quoted}}
                """);
        }
    }

    private static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite }.ToString();

    /// <summary>Read from the journal's rows with one query on a connection of its own: the plugin's read journal would
    /// start the journal, its streams and linq2db's query building (about half a second of CPU) for what a node with no
    /// account never uses. The rows are the journal's in order, decoded by the same serializers, flagged ones too: an
    /// account's only flagged row is its release, kept when its earlier events (and their password hashes) were deleted.</summary>
    public Task<ReservedNames> ReservedNamesAsync(ActorSystem system, CancellationToken cancel) =>
        Task.Run(() =>
        {
            using var db = Reader();
            using var read = db.CreateCommand();
            read.CommandText = "SELECT persistence_id, payload, serializer_id, manifest, sequence_nr FROM event_journal " +
                $"WHERE persistence_id GLOB '{AccountActor.PersistenceIdPrefix}*' ORDER BY persistence_id, sequence_nr";
            using var rows = read.ExecuteReader();
            var names = new ReservedNames();
            while (rows.Read())
            {
                cancel.ThrowIfCancellationRequested();
                if (AccountRow(system, rows) is var (name, e, seq)) names.Apply(name, e, seq);
            }
            return names;
        }, cancel);

    /// <summary>The journal's last row now (0 when empty): where <see cref="AccountEventsAfterAsync"/> starts, read before
    /// the list of reserved names (a change between the two is read twice, which changes nothing).</summary>
    public long LastRow()
    {
        using var db = Reader();
        return LastRowIn(db, null);
    }

    /// <summary>The newest rows <see cref="NewestWriteMs"/> looks at.</summary>
    public const int NewestRowsRead = 10_000;

    /// <summary>When the newest rows the journal holds were written (Unix ms, by the wall clock then; 0 for none): a
    /// reservation made after a restart starts after it, though the clock is behind it now (<see cref="StampedTimes"/>).
    /// The last <see cref="NewestRowsRead"/> rows written, by <c>ordering</c> (the table's own key): the journal keeps no
    /// index on <c>timestamp</c> (<see cref="SqliteSchema.UnusedJournalIndexes"/>), and MAX over all of it read the whole
    /// file at every start; a clock stepped back further than those rows were written over is not covered.</summary>
    public long NewestWriteMs()
    {
        using var db = Reader();
        using var read = db.CreateCommand();
        read.CommandText = "SELECT COALESCE(MAX(timestamp), 0) FROM (SELECT timestamp FROM event_journal ORDER BY ordering DESC LIMIT $rows)";
        read.Parameters.AddWithValue("$rows", NewestRowsRead);
        var ticks = (long)read.ExecuteScalar()!;
        return ticks <= DateTime.UnixEpoch.Ticks ? 0 : (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;
    }

    private static long LastRowIn(SqliteConnection db, SqliteTransaction? transaction)
    {
        using var read = db.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM event_journal";
        return (long)read.ExecuteScalar()!;
    }

    /// <summary>The accounts' events written after row <paramref name="after"/>, in the order written (by any node sharing
    /// the file), off the caller's thread.</summary>
    public Task<AccountEventsRead> AccountEventsAfterAsync(ActorSystem system, long after) =>
        Task.Run(() =>
        {
            using var db = Reader();
            // One snapshot: the file's last row, then the accounts' rows up to it. The next read starts after that row
            // even when the rows since the last account change are all the history's (messages): starting after the
            // last account row read every message written since that change again at every tick.
            using var snapshot = db.BeginTransaction(deferred: true); // a read: BEGIN IMMEDIATE would take the write lock
            var last = Math.Max(after, LastRowIn(db, snapshot));
            using var read = db.CreateCommand();
            read.Transaction = snapshot;
            read.CommandText = "SELECT persistence_id, payload, serializer_id, manifest, sequence_nr FROM event_journal " +
                $"WHERE persistence_id GLOB '{AccountActor.PersistenceIdPrefix}*' AND ordering > $after AND ordering <= $last ORDER BY ordering";
            read.Parameters.AddWithValue("$after", after);
            read.Parameters.AddWithValue("$last", last);
            using var rows = read.ExecuteReader();
            var events = new List<(string, IAccountEvent, long)>();
            while (rows.Read())
                if (AccountRow(system, rows) is { } row) events.Add(row);
            return new AccountEventsRead(last, [.. events]);
        });

    public Task<string?> ReservedLookAlikeAsync(ActorSystem system, string name) =>
        Task.Run(() =>
        {
            using var db = Reader();
            using var read = db.CreateCommand();
            // The accounts' range of the index, then SQLite's lower() (names are ASCII).
            read.CommandText = "SELECT persistence_id, payload, serializer_id, manifest, sequence_nr FROM event_journal " +
                $"WHERE persistence_id GLOB '{AccountActor.PersistenceIdPrefix}*' AND lower(persistence_id) = lower($id) AND persistence_id <> $id " +
                "ORDER BY persistence_id, sequence_nr";
            read.Parameters.AddWithValue("$id", AccountActor.PersistenceIdOf(name));
            using var rows = read.ExecuteReader();
            return LookAlikeIn(system, rows, name);
        });

    /// <summary>The case variants' rows of <paramref name="name"/>'s account, folded as at start: which of them is reserved.</summary>
    internal static string? LookAlikeIn(ActorSystem system, System.Data.Common.DbDataReader rows, string name)
    {
        var variants = new ReservedNames();
        while (rows.Read())
            if (AccountRow(system, rows) is var (other, e, seq)) variants.Apply(other, e, seq);
        return variants.LookAlike(name);
    }

    // A row of (persistence_id, payload, serializer_id, manifest, sequence_nr) as an account's event, by the plugin's
    // serializers; null (and a warning) for one this build cannot read (a newer node's event), which must not stop the
    // rest from being read, at start or at every watch.
    private static (string Name, IAccountEvent Event, long Seq)? AccountRow(ActorSystem system, System.Data.Common.DbDataReader rows)
    {
        var name = rows.GetString(0)[AccountActor.PersistenceIdPrefix.Length..];
        try
        {
            return system.Serialization.Deserialize((byte[])rows[1], rows.GetInt32(2), rows.IsDBNull(3) ? "" : rows.GetString(3)) is IAccountEvent e
                ? (name, e, rows.GetInt64(4))
                : null;
        }
        catch (Exception ex) when (ex is System.Runtime.Serialization.SerializationException or ArgumentException or FormatException or InvalidOperationException)
        {
            system.Log.Warning("account '{0}': event {1} in the data file cannot be read by this build, skipped: {2}", name, rows.GetInt64(4), ex.Message);
            return null;
        }
    }

    /// <summary>Whether the file may hold anything of <paramref name="name"/>'s account: false only when it holds no event
    /// and no snapshot of it (an index look-up on a connection of its own, off the caller's thread).</summary>
    public Task<bool> MayHoldAccountAsync(string name) =>
        Task.Run(() =>
        {
            using var db = Reader();
            using var read = db.CreateCommand();
            read.CommandText = "SELECT EXISTS (SELECT 1 FROM event_journal WHERE persistence_id = $id) OR EXISTS (SELECT 1 FROM snapshot WHERE persistence_id = $id)";
            read.Parameters.AddWithValue("$id", AccountActor.PersistenceIdOf(name));
            return read.ExecuteScalar() is not 0L;
        });

    /// <summary>Whether the release of <paramref name="name"/> still has rows to delete: its account's earlier events (their
    /// password hashes; only the release stays, flagged), its inbox's clearing not compacted yet, or an older snapshot
    /// of the inbox (the earlier owner's markers) beside the newest.</summary>
    public bool ReleasePending(string name)
    {
        using var db = Reader();
        using var read = db.CreateCommand();
        read.CommandText = "SELECT EXISTS (SELECT 1 FROM event_journal WHERE persistence_id = $account AND is_deleted = 0) " +
            "OR EXISTS (SELECT 1 FROM event_journal WHERE persistence_id = $inbox AND is_deleted = 0 AND manifest = $cleared) " +
            "OR (SELECT count(*) FROM snapshot WHERE persistence_id = $inbox) > 1";
        read.Parameters.AddWithValue("$account", AccountActor.PersistenceIdOf(name));
        read.Parameters.AddWithValue("$inbox", InboxActor.PersistenceIdOf(name));
        read.Parameters.AddWithValue("$cleared", HistoryEventSerializer.InboxClearedManifest);
        return read.ExecuteScalar() is not 0L;
    }

    /// <summary>The rooms whose history the file holds (any row, a flagged one too), the one written least recently first,
    /// once those past the newest <paramref name="keep"/> have left it (every row of each: <c>kept-rooms</c> lowered, or a
    /// file from before the bound), in one transaction here rather than a conversation actor each. Run by the node keeping
    /// the history as it starts keeping, before any conversation of it does (<see cref="HistoryActor"/>).</summary>
    public IReadOnlyList<string> HeldRooms(int keep)
    {
        using var db = Patient();
        var rooms = Held(db, Conversation.Room("#").PersistenceId);
        var excess = Math.Max(0, rooms.Count - keep);
        if (excess > 0)
        {
            using var tx = db.BeginTransaction(deferred: false);
            using var erase = db.CreateCommand();
            erase.Transaction = tx;
            erase.CommandText = "DELETE FROM event_journal WHERE persistence_id = $id; DELETE FROM tags WHERE persistence_id = $id";
            var id = erase.Parameters.Add("$id", SqliteType.Text);
            foreach (var room in rooms.Take(excess))
            {
                id.Value = room;
                erase.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return [.. rooms.Skip(excess).Select(r => r["conversation-".Length..])];
    }

    /// <summary>The direct conversations whose history the file holds, the one written least recently first, by key
    /// (<c>@a@b</c>): the history actor counts those with a guest party (<c>kept-guest-conversations</c>) as it starts
    /// keeping.</summary>
    public IReadOnlyList<string> HeldDirect()
    {
        using var db = Patient();
        // Every direct conversation's key starts with '@'.
        return [.. Held(db, new Conversation("@").PersistenceId).Select(r => r["conversation-".Length..])];
    }

    // Not pooled (as Reader), and waiting for the journal's writer like a write would.
    private SqliteConnection Patient()
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString(DatabasePath))
        {
            Pooling = false,
            DefaultTimeout = (int)JournalWriter.LockWait.TotalSeconds,
        }.ToString());
        db.Open();
        return db;
    }

    // Persistence ids under a prefix, the one whose last row is oldest first.
    private static List<string> Held(SqliteConnection db, string prefix)
    {
        var ids = new List<string>();
        using var read = db.CreateCommand();
        read.CommandText = $"SELECT persistence_id, MAX(ordering) AS last FROM event_journal WHERE persistence_id GLOB '{prefix}*' " +
            "GROUP BY persistence_id ORDER BY last";
        using var rows = read.ExecuteReader();
        while (rows.Read()) ids.Add(rows.GetString(0));
        return ids;
    }

    // Not pooled: a pooled connection would keep reading a file replaced under the node.
    private SqliteConnection Reader()
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString(DatabasePath)) { Pooling = false }.ToString());
        db.Open();
        return db;
    }

    /// <summary>What <c>/status</c> shows.</summary>
    public object Status => new SqliteStatus(this);

    /// <summary>The database file with its write-ahead log and shared-memory index, in bytes (what the store takes on disk);
    /// 0 for a part not there.</summary>
    public long Bytes() => Size(DatabasePath) + Size(DatabasePath + "-wal") + Size(DatabasePath + "-shm");

    private static long Size(string path)
    {
        try { return new FileInfo(path).Length; }
        catch (IOException) { return 0; }
    }

    /// <summary>What <c>/status</c> shows of it: read at each request (the size and free space move).</summary>
    private sealed class SqliteStatus(DataStore store)
    {
        [System.Text.Json.Serialization.JsonPropertyName("kind")] public string Kind => "sqlite";
        [System.Text.Json.Serialization.JsonPropertyName("directory")] public string Directory => store.Directory;
        [System.Text.Json.Serialization.JsonPropertyName("file")] public string File => store.DatabasePath;
        [System.Text.Json.Serialization.JsonPropertyName("synchronous")] public string Synchronous => store.Sync.ToString().ToLowerInvariant();
        [System.Text.Json.Serialization.JsonPropertyName("bytes")] public long Bytes => store.Bytes();

        // Null where the file system cannot say.
        [System.Text.Json.Serialization.JsonPropertyName("freeBytes")]
        public long? FreeBytes
        {
            get
            {
                try { return new DriveInfo(store.Directory).AvailableFreeSpace; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
            }
        }
    }

    /// <summary>For <c>--help</c> and the start-up log line.</summary>
    public override string ToString() => $"SQLite {DatabasePath}";
}

/// <summary>The host's one-line wiring of the store.</summary>
public static class DataStoreWiring
{
    /// <summary>The connection strings over server.hocon's plugin section, the plugin's defaults under everything, and the
    /// connections' set-up.</summary>
    public static AkkaConfigurationBuilder WithDataStore(this AkkaConfigurationBuilder ab, DataStore? store) => store is null
        ? ab
        : ab.AddHocon(store.Hocon, HoconAddMode.Prepend).AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append).AddSetup(store.Setup);

    /// <summary>Starts the journal and snapshot store of a single host's store, then its accounts and history
    /// (<see cref="StartAccounts"/>); nulls without a store.</summary>
    public static (IActorRef? Accounts, HistoryDesk? History) StartStore(this ActorSystem system, IDataStore? store, SwitchboardMetrics? metrics = null,
        HistoryKeeperLock? keeper = null, IActorRef? registry = null)
    {
        if (store is null) return (null, null);
        var after = (store as DataStore)?.LastRow() ?? 0;
        var (accounts, reserved) = system.StartAccounts(store, metrics, registry);
        // Other nodes sharing the data directory change reservations too (a PostgreSQL store is a cluster's: its nodes
        // tell each other, ReservationNotice).
        if (store is DataStore file)
            system.ActorOf(ReservationWatchActor.Props(a => file.AccountEventsAfterAsync(system, a), after, reserved, store.Accounts.WatchInterval),
                "reservation-watch");
        var sqlite = store as DataStore;
        var history = system.ActorOf(HistoryActor.Props(store.History, TimeProvider.System, keeper is null ? null : keeper.TryTake, store.Guard, metrics, reserved,
            keeper is null ? null : keeper.Keeper, sqlite is null ? null : sqlite.HeldRooms, sqlite is null ? null : sqlite.HeldDirect), "history");
        var unfinished = system.ActorOf(UnfinishedHoldsActor.Props(history, store.History.Timeout), "unfinished-holds");
        return (accounts, new HistoryDesk(history, reserved, store.History, Unfinished: unfinished));
    }

    /// <summary>Reads which names are reserved (before any client registers: a DM to a reserved name must be kept from the
    /// first one), then starts the accounts. The store's tables are made by then (a SQLite file's when it was checked, a
    /// PostgreSQL database's by <see cref="PostgresStore.EnsureSchemaAsync"/>); the journal and snapshot store start when
    /// a persistent actor first needs them. <paramref name="registry"/> holds a reserve's folded name on every node sharing
    /// the store (null: no other node shares it). <paramref name="guard"/>: what account changes ask first instead of the
    /// store's own guard (a cluster's claim on its database).</summary>
    public static (IActorRef Accounts, ReservedNames Reserved) StartAccounts(this ActorSystem system, IDataStore store, SwitchboardMetrics? metrics = null,
        IActorRef? registry = null, IWriteGuard? guard = null)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reserved = store.ReservedNamesAsync(system, cancel.Token).GetAwaiter().GetResult();
        // A reservation starts after everything the store holds, though the clock stepped back past it meanwhile.
        if (store is DataStore file) reserved.Times.Saw(file.NewestWriteMs());
        foreach (var (_, since) in reserved.All) reserved.Times.Saw(since);
        system.Log.Info("data store: {0} (accounts and history on, {1} reserved {2})", store, reserved.Count, reserved.Count == 1 ? "name" : "names");
        var accounts = system.ActorOf(AccountsActor.Props(store.Accounts, TimeProvider.System, reserved, guard ?? store.Guard, metrics, store.MayHoldAccountAsync,
            registry, registry is null ? null : name => store.ReservedLookAlikeAsync(system, name)), "accounts");
        return (accounts, reserved);
    }
}
