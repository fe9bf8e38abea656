using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// The tables a single host makes before its actor system starts (<see cref="SqliteSchema"/>) are exactly those
/// Akka.Persistence.Sql's auto-initialize makes for its sqlite mapping but for two journal indexes none of its statements
/// uses, so the plugin, started with auto-initialize off, reads and writes them as its own; making them again changes
/// nothing; and a file made with those indexes loses them, its rows kept.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SqliteSchemaSpecs : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sb-schema-" + Guid.NewGuid().ToString("N")[..12]);

    public SqliteSchemaSpecs() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static List<string> Schema(string file)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        db.Open();
        using var read = db.CreateCommand();
        read.CommandText = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
        using var rows = read.ExecuteReader();
        var schema = new List<string>();
        while (rows.Read()) schema.Add($"{rows.GetString(0)} {rows.GetString(1)} on {rows.GetString(2)}: {(rows.IsDBNull(3) ? "" : rows.GetString(3))}");
        return schema;
    }

    [Fact]
    public async Task A_checked_store_has_the_tables_the_plugins_auto_initialize_makes_statement_for_statement()
    {
        var ours = DataStore.Open(Path.Combine(_root, "ours"), ActorTestConfig.Server(), out var problem, out _) ?? throw new InvalidOperationException(problem);

        // The plugin's own: an empty file, the same settings but auto-initialize on, journal and snapshot store started.
        var theirs = DataStore.Open(Path.Combine(_root, "theirs"), ActorTestConfig.Server(), out problem, out _) ?? throw new InvalidOperationException(problem);
        File.Delete(theirs.DatabasePath);
        using (File.Open(theirs.DatabasePath, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite })) { }
        Assert.Empty(Schema(theirs.DatabasePath));
        var config = ConfigurationFactory.ParseString("""
            akka.persistence.journal.sql.auto-initialize = on
            akka.persistence.snapshot-store.sql.auto-initialize = on
            """).WithFallback(theirs.Hocon).WithFallback(ActorTestConfig.Server()).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
        var system = ActorSystem.Create("schema", BootstrapSetup.Create().WithConfig(config).And(theirs.Setup));
        try
        {
            var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
            persistence.JournalFor(null);
            persistence.SnapshotStoreFor(null);
            await Eventually.HoldsAsync(() => Schema(theirs.DatabasePath).Count(s => s.StartsWith("table ")) == 4, TimeSpan.FromSeconds(20),
                () => $"the plugin made {string.Join("; ", Schema(theirs.DatabasePath))}");
            await Eventually.HoldsAsync(() => WithoutUnusedIndexes(Schema(theirs.DatabasePath)).SequenceEqual(Schema(ours.DatabasePath)), TimeSpan.FromSeconds(5),
                () => $"the plugin's:\n{string.Join("\n", Schema(theirs.DatabasePath))}\nours:\n{string.Join("\n", Schema(ours.DatabasePath))}");
            // The two left out are the plugin's (were they renamed, the comparison above would not hold either).
            Assert.All(SqliteSchema.UnusedJournalIndexes, index => Assert.Contains(Schema(theirs.DatabasePath), s => s.StartsWith($"index {index} on event_journal")));
        }
        finally
        {
            await system.Terminate();
        }
        Assert.Contains(Schema(ours.DatabasePath), s => s.StartsWith("table event_journal on event_journal: CREATE TABLE [event_journal]"));
    }

    private static IEnumerable<string> WithoutUnusedIndexes(IEnumerable<string> schema) =>
        schema.Where(s => !SqliteSchema.UnusedJournalIndexes.Any(index => s.StartsWith($"index {index} ")));

    [Fact]
    public void A_file_made_with_the_plugins_unused_journal_indexes_loses_them_at_start_and_keeps_its_rows()
    {
        var dir = Path.Combine(_root, "older");
        var store = DataStore.Open(dir, ActorTestConfig.Server(), out var problem, out _) ?? throw new InvalidOperationException(problem);
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.DatabasePath, Pooling = false }.ToString()))
        {
            db.Open();
            using var older = db.CreateCommand();
            older.CommandText = """
                CREATE INDEX event_journal_timestamp_idx ON event_journal (timestamp);
                CREATE INDEX event_journal_sequence_nr_idx ON event_journal (sequence_nr);
                INSERT INTO event_journal (timestamp, is_deleted, persistence_id, sequence_nr, payload) VALUES (1, 0, 'p', 1, x'01');
                """;
            older.ExecuteNonQuery();
        }
        Assert.Equal(2, WithUnusedIndexes(store.DatabasePath));

        Assert.NotNull(DataStore.Open(dir, ActorTestConfig.Server(), out problem, out _));

        Assert.Null(problem);
        Assert.Equal(0, WithUnusedIndexes(store.DatabasePath));
        Assert.Contains(Schema(store.DatabasePath), s => s.StartsWith("index event_journal_uq on event_journal"));
        Assert.Equal(1L, Count(store.DatabasePath));
    }

    private static int WithUnusedIndexes(string file) => Schema(file).Count - WithoutUnusedIndexes(Schema(file)).Count();

    private static long Count(string file)
    {
        using var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        check.Open();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM event_journal";
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public void Making_the_tables_again_keeps_every_row_and_changes_no_table()
    {
        var dir = Path.Combine(_root, "again");
        var store = DataStore.Open(dir, ActorTestConfig.Server(), out var problem, out _) ?? throw new InvalidOperationException(problem);
        var before = Schema(store.DatabasePath);
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.DatabasePath, Pooling = false }.ToString()))
        {
            db.Open();
            using var insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO event_journal (timestamp, is_deleted, persistence_id, sequence_nr, payload) VALUES (1, 0, 'p', 1, x'01')";
            insert.ExecuteNonQuery();
        }
        Assert.NotNull(DataStore.Open(dir, ActorTestConfig.Server(), out problem, out _));
        Assert.Null(problem);
        Assert.Equal(before, Schema(store.DatabasePath));
        Assert.Equal(1L, Count(store.DatabasePath));
    }
}
