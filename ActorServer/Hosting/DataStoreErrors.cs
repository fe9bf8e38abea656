using System.Net.Sockets;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Event;
using Akka.Pattern;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Switchboard.Server.Hosting;

/// <summary>What a failed write or read of the data store tells its client and the log: the plugin wraps the database's
/// error (linq2db, the journal's batching), so the chain is searched for it. SQLite (single host) and PostgreSQL
/// (cluster mode, Npgsql) are the store's own errors: the disk, the file, the database or the network, not this code.</summary>
public static class DataStoreErrors
{
    private const int SqliteFull = 13;

    /// <summary>SQLITE_FULL: no space left for the file or its write-ahead log.</summary>
    public static bool IsDiskFull(Exception cause) => Find<SqliteException>(cause)?.SqliteErrorCode == SqliteFull;

    /// <summary>The store's own error somewhere in the chain (SQLite, PostgreSQL or the way to it, or the journal's
    /// circuit breaker failing fast after them): the cause is outside this code, so no stack is needed.</summary>
    public static bool FromStore(Exception cause) => StoreCause(cause) is not null;

    /// <summary>For a client: nothing of the server's paths or internals.</summary>
    public static string ForClient(Exception cause) => IsDiskFull(cause)
        ? "the change was not saved: the server's data store is full (no space left on its disk); try again later"
        : "the change was not saved: the server's data store could not be written; try again later";

    /// <summary>For the log and <c>/healthz</c>: the store's own message on one line, without the stack.</summary>
    public static string OneLine(Exception cause)
    {
        // Looked for first: an open breaker carries the failure that opened it, which may be long over (PostgreSQL back
        // for a minute while every line still said "Connection refused"); the line says the breaker is failing fast.
        if (Find<OpenCircuitException>(cause) is { } open) return Breaker(open);
        var line = StoreCause(cause) switch
        {
            SqliteException sqlite => sqlite.Message,
            PostgresException pg => $"PostgreSQL: {pg.MessageText} (SQLSTATE {pg.SqlState})",
            // "Failed to connect to 127.0.0.1:5432: Connection refused", "...: Timeout during reading attempt".
            NpgsqlException { InnerException: (SocketException or TimeoutException or IOException) and { } inner } npgsql =>
                $"PostgreSQL: {npgsql.Message.TrimEnd('.')}: {inner.Message}",
            NpgsqlException npgsql => $"PostgreSQL: {npgsql.Message}",
            _ => cause.GetBaseException().Message,
        };
        return line.ReplaceLineEndings(" ").TrimEnd('.') + (IsDiskFull(cause) ? " (disk full: free space, no restart needed)" : "");
    }

    private static string Breaker(OpenCircuitException open)
    {
        var line = "a circuit breaker of the store (Akka.Persistence's, on its journal or snapshots) is open after repeated failures: " + (open.RemainingDuration > TimeSpan.Zero
            ? $"calls fail fast for {Math.Ceiling(open.RemainingDuration.TotalSeconds):0} s more, without trying the store"
            : "calls fail fast until one try of the store succeeds");
        return open.InnerException is { } last ? $"{line} (the last failure: {OneLine(last)})" : line;
    }

    /// <summary>Logs a failed write or read of <paramref name="what"/>: the store's own error on one line, anything else
    /// with its stack (a bug in this code).</summary>
    public static void Log(ILoggingAdapter log, Exception cause, string what)
    {
        if (FromStore(cause)) log.Error("{0}: {1}", what, OneLine(cause));
        else log.Error(cause, "{0}", what);
    }

    /// <summary>As <see cref="Log(ILoggingAdapter, Exception, string)"/>, but a call that timed out or found SQLite busy
    /// while another process holds the data file's write lock says so, once while that process holds it (later failures
    /// of the same episode at debug): "System.TimeoutException" told an operator nothing.</summary>
    public static void Log(ILoggingAdapter log, Exception cause, string what, ActorSystem system)
    {
        if (MayBeLocked(cause) && GuardOf(system)?.Locked() is { } locked)
        {
            if (locked.First) log.Error("{0}: {1}", what, locked.Line);
            else log.Debug("{0}: the data file is still locked by another process", what);
            return;
        }
        Log(log, cause, what);
    }

    // The plugin's circuit breakers time a call out (10 s each: a read waits on the snapshot store's and the journal's)
    // before SQLite's busy timeout and Microsoft.Data.Sqlite's retries give up, so a held lock shows as a bare
    // TimeoutException; SQLITE_BUSY (5) or SQLITE_LOCKED (6) when not.
    private static bool MayBeLocked(Exception cause) =>
        Find<TimeoutException>(cause) is not null || Find<SqliteException>(cause)?.SqliteErrorCode is SqliteBusy or SqliteLocked;

    private const int SqliteBusy = 5, SqliteLocked = 6;

    // The single host's data file (registered by the host); none in cluster mode or in specs without a host.
    private static DataFileGuard? GuardOf(ActorSystem system) =>
        system.HasExtension<DependencyResolver>() ? DependencyResolver.For(system).Resolver.GetService<DataFileGuard>() : null;

    // A write the node's journal refused while another cluster holds the database's claim is the store's state too.
    private static Exception? StoreCause(Exception cause) =>
        Find<SqliteException>(cause) ?? Find<NpgsqlException>(cause) ?? (Exception?)Find<OpenCircuitException>(cause) ?? Find<Cluster.StoreClaimedException>(cause);

    private static T? Find<T>(Exception? cause) where T : Exception
    {
        for (; cause is not null; cause = cause.InnerException)
        {
            if (cause is T found) return found;
            if (cause is AggregateException { InnerExceptions.Count: > 0 } many) return many.InnerExceptions.Select(Find<T>).FirstOrDefault(e => e is not null);
        }
        return null;
    }
}
