using Akka.Event;
using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>What a failed write to the data store tells its client and the log: the plugin wraps SQLite's error
/// (linq2db, the journal's batching), so the chain is searched for it.</summary>
public static class DataStoreErrors
{
    private const int SqliteFull = 13;

    /// <summary>SQLITE_FULL: no space left for the file or its write-ahead log.</summary>
    public static bool IsDiskFull(Exception cause) => Sqlite(cause)?.SqliteErrorCode == SqliteFull;

    /// <summary>SQLite's own error somewhere in the chain: the disk or the file, not this code (no stack needed).</summary>
    public static bool FromSqlite(Exception cause) => Sqlite(cause) is not null;

    /// <summary>For a client: nothing of the server's paths or internals.</summary>
    public static string ForClient(Exception cause) => IsDiskFull(cause)
        ? "the change was not saved: the server's data store is full (no space left on its disk); try again later"
        : "the change was not saved: the server's data store could not be written; try again later";

    /// <summary>For the log: SQLite's own message on one line, without the stack (the cause is not in this code).</summary>
    public static string OneLine(Exception cause) =>
        (Sqlite(cause) ?? cause.GetBaseException()).Message.ReplaceLineEndings(" ").TrimEnd('.') + (IsDiskFull(cause) ? " (disk full: free space, no restart needed)" : "");

    /// <summary>Logs a failed write or read of <paramref name="what"/>: SQLite's own error on one line (the disk or the
    /// file), anything else with its stack (a bug in this code).</summary>
    public static void Log(ILoggingAdapter log, Exception cause, string what)
    {
        if (FromSqlite(cause)) log.Error("{0}: {1}", what, OneLine(cause));
        else log.Error(cause, "{0}", what);
    }

    private static SqliteException? Sqlite(Exception? cause)
    {
        for (; cause is not null; cause = cause.InnerException)
        {
            if (cause is SqliteException sqlite) return sqlite;
            if (cause is AggregateException { InnerExceptions.Count: > 0 } many) return many.InnerExceptions.Select(Sqlite).FirstOrDefault(e => e is not null);
        }
        return null;
    }
}
