using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>One event as <see cref="SqliteJournal"/> writes it: the columns of the plugin's <c>sqlite</c> table mapping.</summary>
public readonly record struct JournalRowData(string PersistenceId, long SequenceNr, byte[] Payload, string Manifest, int SerializerId, long Timestamp);

/// <summary>
/// The SQLite file's one writer of journal rows (<see cref="SqliteJournal"/>): a thread of its own with one open
/// connection and one prepared INSERT. Whatever arrives while a transaction runs goes into the next one (group commit:
/// one <c>BEGIN IMMEDIATE</c> … <c>COMMIT</c> for every conversation's waiting writes), and a write's task completes
/// only once its transaction has committed; a transaction that fails fails every write in it, and nothing of it stays.
/// Deletes (retention's) run here too, after the writes gathered with them and in a transaction of their own: on this
/// connection they neither wait for the writes' lock nor make the writes wait for theirs, and need no connection set up.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    /// <summary>Rows in one transaction at most (what waits beyond goes in the next).</summary>
    public const int MaxRows = 2000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly object _gate = new();
    private readonly Queue<Job> _queue = new();
    private readonly Thread _thread;
    private SqliteConnection? _connection;
    private JournalInsert? _insert;
    private JournalDeletes? _deletes;
    private bool _closed;

    /// <summary>How long a transaction waits for SQLite's write lock (another process holding it) before it fails: below
    /// the journal's circuit-breaker call-timeout (10 s), so a write Akka reports failed is never committed after all
    /// (Microsoft.Data.Sqlite retries a busy lock for its command timeout, 30 s by default).</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    /// <param name="lockWait">How long a transaction waits for the write lock (<see cref="LockWait"/>; whole seconds, at
    /// least one).</param>
    public JournalWriter(string connectionString, WalSync sync, TimeSpan? lockWait = null)
    {
        _connectionString = new SqliteConnectionStringBuilder(connectionString)
        {
            DefaultTimeout = Math.Max(1, (int)(lockWait ?? LockWait).TotalSeconds),
        }.ToString();
        _pragmas = DataConnections.Pragmas(sync);
        _thread = new Thread(Run) { IsBackground = true, Name = "journal-writer" };
        _thread.Start();
    }

    /// <summary>Completes once <paramref name="rows"/> are committed (all of them, in one transaction), or fails.</summary>
    public Task WriteAsync(IReadOnlyList<JournalRowData> rows) => Enqueue(new Write(rows, Completion()));

    /// <summary>The plugin's delete of <paramref name="persistenceId"/>'s events up to <paramref name="toSequenceNr"/>
    /// (<see cref="JournalDeletes"/>); completes once committed, or fails.</summary>
    public Task DeleteToAsync(string persistenceId, long toSequenceNr) => Enqueue(new Delete(persistenceId, toSequenceNr, Completion()));

    // Continuations leave this thread: the next transaction need not wait for what the journal does with this one.
    private static TaskCompletionSource Completion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task Enqueue(Job job)
    {
        lock (_gate)
        {
            if (_closed) return Task.FromException(new ObjectDisposedException(nameof(JournalWriter), "the journal is stopping"));
            _queue.Enqueue(job);
            if (_queue.Count == 1) Monitor.Pulse(_gate);
        }
        return job.Done.Task;
    }

    private void Run()
    {
        var writes = new List<Write>();
        var deletes = new List<Delete>();
        while (true)
        {
            lock (_gate)
            {
                while (_queue.Count == 0 && !_closed) Monitor.Wait(_gate);
                if (_queue.Count == 0) break;
                var rows = 0;
                // At least one job, however large; then what fits.
                do
                {
                    var job = _queue.Dequeue();
                    rows += job.RowCount;
                    if (job is Write w) writes.Add(w);
                    else deletes.Add((Delete)job);
                } while (_queue.Count > 0 && rows + _queue.Peek().RowCount <= MaxRows);
            }
            // A delete only reaches ids its conversation was answered for, so it never needs a write gathered with it.
            if (writes.Count > 0) Commit(writes, InsertRows);
            if (deletes.Count > 0) Commit(deletes, (tx, d) => _deletes!.Run(tx, d.PersistenceId, d.ToSequenceNr));
            writes.Clear();
            deletes.Clear();
        }
        Close();
    }

    // One transaction: each job's step, then the commit.
    private void Commit<T>(List<T> batch, Action<SqliteTransaction, T> step) where T : Job
    {
        try
        {
            var connection = Open();
            using (var tx = connection.BeginTransaction(deferred: false))
            {
                foreach (var job in batch) step(tx, job);
                tx.Commit();
            }
            foreach (var job in batch) job.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            // The transaction rolled back (its Dispose); a connection that may be unusable is opened afresh next time.
            Close();
            foreach (var job in batch) job.Done.TrySetException(ex);
        }
    }

    private void InsertRows(SqliteTransaction tx, Write write)
    {
        foreach (var row in write.Rows) _insert!.Run(row);
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
            _insert = new JournalInsert(connection);
            _deletes = new JournalDeletes(connection);
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
        _deletes?.Dispose();
        _deletes = null;
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

    private abstract record Job(TaskCompletionSource Done)
    {
        /// <summary>What it counts towards <see cref="MaxRows"/>.</summary>
        public abstract int RowCount { get; }
    }

    private sealed record Write(IReadOnlyList<JournalRowData> Rows, TaskCompletionSource Done) : Job(Done)
    {
        public override int RowCount => Rows.Count;
    }

    private sealed record Delete(string PersistenceId, long ToSequenceNr, TaskCompletionSource Done) : Job(Done)
    {
        public override int RowCount => 1;
    }
}
