using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Switchboard.Server.Hosting;

namespace Switchboard.Benchmarks;

/// <summary>
/// The single host's journal writer as a busy DM run drives it: one conversation's write of 12 events per transaction
/// (what `messaging --durable --clients 10` gives), ten conversations in turn, on a fresh file with the node's schema,
/// with and without the plugin's two journal indexes that no statement uses (<see cref="SqliteSchema.UnusedJournalIndexes"/>).
/// </summary>
public class JournalWriterBenchmarks
{
    private const int RowsPerWrite = 12;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sbbench-journal-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly byte[] _payload = new byte[60];
    private readonly long[] _sequence = new long[10];
    private string[] _ids = [];
    private JournalWriter _writer = null!;
    private int _turn;

    [Params(false, true)]
    public bool UnusedIndexes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_dir);
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, "journal.db"), Pooling = false }.ToString();
        using (var db = new SqliteConnection(connection))
        {
            db.Open();
            using var wal = db.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
            SqliteSchema.Ensure(db);
            if (UnusedIndexes)
            {
                // As the plugin's auto-initialize makes them.
                wal.CommandText = """
                    CREATE INDEX event_journal_timestamp_idx ON event_journal (timestamp);
                    CREATE INDEX event_journal_sequence_nr_idx ON event_journal (sequence_nr);
                    """;
                wal.ExecuteNonQuery();
            }
        }
        new Random(1).NextBytes(_payload);
        _ids = [.. Enumerable.Range(0, _sequence.Length).Select(i => $"conversation-dm:load-{i:00}\u0000load-{(i + 1) % 10:00}")];
        _writer = new JournalWriter(connection, WalSync.Normal);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "one conversation's write of 12 events, committed")]
    public Task WriteTwelve()
    {
        var conversation = _turn++ % _ids.Length;
        var rows = new JournalRowData[RowsPerWrite];
        var now = DateTime.UtcNow.Ticks;
        for (var i = 0; i < rows.Length; i++)
            rows[i] = new JournalRowData(_ids[conversation], ++_sequence[conversation], _payload, "posted", 900, now);
        return _writer.WriteAsync(rows);
    }
}
