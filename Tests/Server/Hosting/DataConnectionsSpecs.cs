using System.Data;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Db;
using LinqToDB;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// What each connection of Akka.Persistence.Sql to the store is set to, read back from the plugin's own connections
/// (its connection factory, configured as the host configures it): <c>synchronous</c> from
/// <c>switchboard.data.synchronous</c> (NORMAL by default, FULL on request), a busy timeout and secure_delete; a transaction begins
/// off the thread that asks for it; the journal mode is WAL, kept in the file.
/// </summary>
public sealed class DataConnectionsSpecs : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-dataconn-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private (DataStore Store, Config Config) Open(string? synchronous = null)
    {
        var hocon = ActorTestConfig.Server();
        if (synchronous is not null) hocon = ConfigurationFactory.ParseString($"switchboard.data.synchronous = {synchronous}").WithFallback(hocon);
        var store = DataStore.Open(_dir, hocon, out var problem, out _) ?? throw new InvalidOperationException(problem);
        return (store, store.Hocon.WithFallback(hocon).WithFallback(SqlPersistence.DefaultConfiguration));
    }

    // One transaction on a connection of the plugin's factory, as a journal write or a snapshot read gets it.
    private static async Task<(long Synchronous, long BusyTimeout, long SecureDelete)> ReadBack(AkkaPersistenceDataConnectionFactory factory)
    {
        await using var connection = factory.GetConnection();
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.Unspecified);
        var read = (tx.DataConnection.Execute<long>("PRAGMA synchronous"), tx.DataConnection.Execute<long>("PRAGMA busy_timeout"),
            tx.DataConnection.Execute<long>("PRAGMA secure_delete"));
        await tx.CommitAsync();
        return read;
    }

    private static AkkaPersistenceDataConnectionFactory Journal(Config config, DataStore store) =>
        new(new JournalConfig(config.GetConfig("akka.persistence.journal.sql")).WithDataOptions(store.DataOptions));

    // The snapshot store keeps the plugin's default use-clone-connection (on), the journal turns it off: both paths.
    private static AkkaPersistenceDataConnectionFactory Snapshots(Config config, DataStore store) =>
        new(new SnapshotConfig(config.GetConfig("akka.persistence.snapshot-store.sql")).WithDataOptions(store.DataOptions));

    [Theory]
    [InlineData(null, (long)WalSync.Normal)]
    [InlineData("full", (long)WalSync.Full)]
    [InlineData("NORMAL", (long)WalSync.Normal)]
    public async Task The_plugins_connections_sync_as_configured_wait_for_a_busy_lock_and_zero_what_they_delete(string? setting, long expected)
    {
        var (store, config) = Open(setting);
        Assert.False(config.GetBoolean("akka.persistence.journal.sql.use-clone-connection"));
        Assert.True(config.GetBoolean("akka.persistence.snapshot-store.sql.use-clone-connection"));
        foreach (var factory in new[] { Journal(config, store), Snapshots(config, store) })
            for (var i = 0; i < 2; i++) // the second is the pooled connection, opened again
                Assert.Equal((expected, (long)DataConnections.BusyTimeoutMs, 1L), await ReadBack(factory)); // secure_delete ON is 1
    }

    // The plugin's write stream gathers the writes that arrive while a transaction runs only if the transaction is not
    // run inside the call that starts it (Microsoft.Data.Sqlite's async calls complete synchronously). Another
    // connection holds the write lock, so the transaction cannot have begun yet when the call returns.
    [Fact]
    public async Task A_transaction_begins_off_the_calling_thread_and_waits_for_a_busy_lock()
    {
        var (store, config) = Open();
        using var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.DatabasePath, Pooling = false }.ToString());
        holder.Open();
        Execute(holder, "BEGIN IMMEDIATE");
        await using var connection = Journal(config, store).GetConnection();
        var begin = connection.BeginTransactionAsync(IsolationLevel.Unspecified);
        Assert.False(begin.IsCompleted);
        Execute(holder, "COMMIT");
        await using var tx = await begin; // SQLite's own busy wait, not a failure
        await tx.CommitAsync();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void The_host_hands_the_connections_set_up_to_the_actor_system()
    {
        var (store, _) = Open();
        var ab = new AkkaConfigurationBuilder(new ServiceCollection(), "switchboard").WithDataStore(store);
        Assert.Single(ab.Setups.OfType<DataOptionsSetup>());
    }

    [Fact]
    public void An_unknown_synchronous_setting_is_refused_as_bad_configuration()
    {
        var hocon = ConfigurationFactory.ParseString("switchboard.data.synchronous = off").WithFallback(ActorTestConfig.Server());
        Assert.Null(DataStore.Open(_dir, hocon, out var problem, out var exit));
        Assert.Equal(2, exit);
        Assert.Equal("bad configuration: switchboard.data.synchronous must be normal or full (got 'off')", problem);
    }

    [Fact]
    public void The_file_is_in_WAL_mode_for_every_connection_once_opened()
    {
        var (store, _) = Open();
        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.DatabasePath, Pooling = false }.ToString());
        other.Open();
        using var mode = other.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", mode.ExecuteScalar());
    }
}
