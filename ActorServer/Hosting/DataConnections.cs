using System.Data.Common;
using Akka.Configuration;
using LinqToDB;

namespace Switchboard.Server.Hosting;

/// <summary>How SQLite syncs the write-ahead log at a commit (<c>PRAGMA synchronous</c>; the values are SQLite's).</summary>
public enum WalSync
{
    /// <summary>The log is synced at checkpoints, not at each commit: a committed write survives the process's death
    /// (kill -9 included: it is in the kernel's page cache), the last ones before a power loss or an OS crash may not.</summary>
    Normal = 1,

    /// <summary>The log is synced at each commit: a committed write survives a power loss too.</summary>
    Full = 2,
}

/// <summary>
/// What every connection Akka.Persistence.Sql opens to the store is set to, through linq2db's after-open hook
/// (<see cref="DataOptions"/>, handed to the plugin as its <c>DataOptionsSetup</c>): <c>synchronous</c>
/// (<c>switchboard.data.synchronous</c>), a busy timeout and <c>secure_delete</c>, all per connection in SQLite
/// (journal_mode=WAL is kept in the file: <see cref="DataStoreCheck"/>).
/// <para>The busy timeout matters for speed, not only for safety: the plugin begins every transaction, reads too,
/// with <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's mapping of every isolation level), so two at once contend for
/// the write lock; without it Microsoft.Data.Sqlite answers SQLite's "busy" by sleeping 150 ms and trying again, with
/// it SQLite waits for the lock itself, in steps of a few milliseconds; the journal's own writer
/// (<see cref="JournalWriter"/>) runs the same statements on its connection. And the async open sets up on the thread
/// pool (<see cref="SetUpAsync"/>).</para>
/// </summary>
public static class DataConnections
{
    /// <summary>How long a statement waits for another connection's write lock (then Microsoft.Data.Sqlite retries
    /// until its command timeout).</summary>
    public const int BusyTimeoutMs = 5000;

    /// <summary><c>switchboard.data.synchronous</c>: <c>normal</c> or <c>full</c>.</summary>
    public static WalSync SyncOf(Config hocon)
    {
        var value = hocon.RequiredString("switchboard.data.synchronous");
        return value.ToLowerInvariant() switch
        {
            "normal" => WalSync.Normal,
            "full" => WalSync.Full,
            _ => throw new ConfigurationException($"switchboard.data.synchronous must be normal or full (got '{value}')"),
        };
    }

    /// <summary>linq2db's options for <paramref name="connectionString"/>: Microsoft.Data.Sqlite, each connection set
    /// up as it opens.</summary>
    public static DataOptions Options(string connectionString, WalSync sync)
    {
        var pragmas = Pragmas(sync);
        return new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseAfterConnectionOpened(c => SetUp(c, pragmas), (c, token) => SetUpAsync(c, pragmas, token));
    }

    /// <summary>What each connection to the file runs as it opens (the plugin's and <see cref="JournalWriter"/>'s).
    /// <c>secure_delete = ON</c>: what a delete removes (a released name's password hashes, trimmed messages) is
    /// overwritten with zeros, so it leaves the file at the next checkpoint instead of lingering in free pages (and in
    /// backups, which copy them). Not FAST: it zeroes only pages written anyway, and leaves pages freed whole (a run of
    /// deleted rows, a long text's overflow pages) as they were.</summary>
    public static string Pragmas(WalSync sync) =>
        $"PRAGMA synchronous = {(int)sync}; PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA secure_delete = ON;";

    // On every open (a pooled connection keeps them, so this repeats what it has: two statements, microseconds).
    private static void SetUp(DbConnection connection, string pragmas)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        command.ExecuteNonQuery();
    }

    // The plugin opens a connection for each transaction, from its journal actor or its write stream, and
    // Microsoft.Data.Sqlite's "async" calls complete synchronously: without this hop a delete or a recovery's read would
    // run inside the journal actor and hold up every write behind it, and the write stream (the snapshot store's, or
    // tagged events) could not gather what arrives while a transaction runs. Setting up on the thread pool (whatever the
    // caller's synchronization context) moves the transaction there. Always: a set-up done before the await looked
    // would otherwise continue on the caller's thread (ForceYielding queues the rest to the pool even then).
    private static async Task SetUpAsync(DbConnection connection, string pragmas, CancellationToken token) =>
        await Task.Run(() => SetUp(connection, pragmas), token).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
}
