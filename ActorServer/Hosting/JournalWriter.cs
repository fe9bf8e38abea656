using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>One event as <see cref="SqliteJournal"/> writes it: the columns of the plugin's <c>sqlite</c> table mapping.</summary>
public readonly record struct JournalRowData(string PersistenceId, long SequenceNr, byte[] Payload, string Manifest, int SerializerId, long Timestamp);

/// <summary>
/// The SQLite file's one writer of journal rows (<see cref="SqliteJournal"/>): a thread of its own with one open
/// connection and one prepared INSERT. Whatever arrives while a transaction runs goes into the next one (group commit:
/// one <c>BEGIN IMMEDIATE</c> … <c>COMMIT</c> for every conversation's waiting writes), and a write's task completes
/// only once its transaction has committed; a transaction that fails fails every write in it, and nothing of it stays.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    /// <summary>Rows in one transaction at most (what waits beyond goes in the next).</summary>
    public const int MaxRows = 2000;

    private const string Insert =
        "INSERT INTO event_journal (timestamp, is_deleted, persistence_id, sequence_nr, payload, manifest, serializer_id) " +
        "VALUES ($timestamp, 0, $pid, $seq, $payload, $manifest, $serializer)";

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly object _gate = new();
    private readonly Queue<Write> _queue = new();
    private readonly Thread _thread;
    private SqliteConnection? _connection;
    private SqliteCommand? _insert;
    private SqliteParameter _timestamp = null!, _pid = null!, _seq = null!, _payload = null!, _manifest = null!, _serializer = null!;
    private bool _closed;

    public JournalWriter(string connectionString, WalSync sync)
    {
        _connectionString = connectionString;
        _pragmas = DataConnections.Pragmas(sync);
        _thread = new Thread(Run) { IsBackground = true, Name = "journal-writer" };
        _thread.Start();
    }

    /// <summary>Completes once <paramref name="rows"/> are committed (all of them, in one transaction), or fails.</summary>
    public Task WriteAsync(IReadOnlyList<JournalRowData> rows)
    {
        // Continuations leave this thread: the next transaction need not wait for what the journal does with this one.
        var write = new Write(rows, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            if (_closed) return Task.FromException(new ObjectDisposedException(nameof(JournalWriter), "the journal is stopping"));
            _queue.Enqueue(write);
            if (_queue.Count == 1) Monitor.Pulse(_gate);
        }
        return write.Done.Task;
    }

    private void Run()
    {
        var batch = new List<Write>();
        while (true)
        {
            lock (_gate)
            {
                while (_queue.Count == 0 && !_closed) Monitor.Wait(_gate);
                if (_queue.Count == 0) break;
                var rows = 0;
                // At least one write, however large; then what fits.
                do
                {
                    rows += _queue.Peek().Rows.Count;
                    batch.Add(_queue.Dequeue());
                } while (_queue.Count > 0 && rows + _queue.Peek().Rows.Count <= MaxRows);
            }
            Commit(batch);
            batch.Clear();
        }
        Close();
    }

    private void Commit(List<Write> batch)
    {
        try
        {
            var connection = Open();
            using (var tx = connection.BeginTransaction(deferred: false))
            {
                _insert!.Transaction = tx;
                foreach (var write in batch)
                    foreach (var row in write.Rows)
                    {
                        _timestamp.Value = row.Timestamp;
                        _pid.Value = row.PersistenceId;
                        _seq.Value = row.SequenceNr;
                        _payload.Value = row.Payload;
                        _manifest.Value = row.Manifest;
                        _serializer.Value = row.SerializerId;
                        _insert.ExecuteNonQuery();
                    }
                tx.Commit();
            }
            foreach (var write in batch) write.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            // The transaction rolled back (its Dispose); a connection that may be unusable is opened afresh next time.
            Close();
            foreach (var write in batch) write.Done.TrySetException(ex);
        }
    }

    private SqliteConnection Open()
    {
        if (_connection is not null) return _connection;
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using (var setUp = connection.CreateCommand())
            {
                setUp.CommandText = _pragmas;
                setUp.ExecuteNonQuery();
            }
            var insert = connection.CreateCommand();
            insert.CommandText = Insert;
            _timestamp = insert.Parameters.Add("$timestamp", SqliteType.Integer);
            _pid = insert.Parameters.Add("$pid", SqliteType.Text);
            _seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            _payload = insert.Parameters.Add("$payload", SqliteType.Blob);
            _manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
            _serializer = insert.Parameters.Add("$serializer", SqliteType.Integer);
            insert.Prepare();
            _insert = insert;
            return _connection = connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Close()
    {
        _insert?.Dispose();
        _insert = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>Writes what is queued, then stops; what comes later fails.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private sealed record Write(IReadOnlyList<JournalRowData> Rows, TaskCompletionSource Done);
}
