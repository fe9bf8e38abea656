using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <see cref="JournalWriter"/>'s INSERT of one journal row, prepared once on its connection and run through SQLite's own
/// calls (SQLitePCLRaw, which Microsoft.Data.Sqlite is built on). Through a <see cref="SqliteCommand"/> each row made a
/// binder object per parameter and the UTF-8 bytes of each text (Microsoft.Data.Sqlite binds nothing without them), and
/// ran its statement through a data reader: the most of the writer's allocations, on every kept message. Here the texts
/// are bound as they are held (UTF-16, which SQLite turns into the file's UTF-8 itself) and the row costs no allocation.
/// It runs in whatever transaction the connection has open.
/// </summary>
internal sealed class JournalInsert : IDisposable
{
    private const string Sql =
        "INSERT INTO event_journal (timestamp, is_deleted, persistence_id, sequence_nr, payload, manifest, serializer_id) " +
        "VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6)";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public JournalInsert(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, Sql, out _statement));
    }

    public void Run(in JournalRowData row)
    {
        try
        {
            Check(raw.sqlite3_bind_int64(_statement, 1, row.Timestamp));
            Text(2, row.PersistenceId);
            Check(raw.sqlite3_bind_int64(_statement, 3, row.SequenceNr));
            Check(raw.sqlite3_bind_blob(_statement, 4, row.Payload.AsSpan()));
            Text(5, row.Manifest);
            Check(raw.sqlite3_bind_int64(_statement, 6, row.SerializerId));
            var done = raw.sqlite3_step(_statement);
            if (done != raw.SQLITE_DONE) Check(done);
        }
        finally
        {
            // Ready for the next row, and holding no reference to this one's values.
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    // SQLitePCLRaw binds an empty span as an empty value, not NULL (JournalWriterSpecs).
    private void Text(int index, string value) => Check(raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    // SQLite's codes as Microsoft.Data.Sqlite reports them (a SqliteException with the code and SQLite's message).
    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose();
}
