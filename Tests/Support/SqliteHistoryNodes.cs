using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Support;

/// <summary>
/// Nodes keeping history in one real SQLite file under <paramref name="dir"/>, wired as the host does it, each with the
/// given <c>switchboard.history</c> settings over the defaults (a restart is a second node on the same file), and reads
/// of what the file holds. Stops them and removes the directory on dispose.
/// </summary>
public sealed class SqliteHistoryNodes(string dir) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly List<ActorSystem> _nodes = [];
    private string? _file;

    /// <summary>The nodes started so far, the first first.</summary>
    public IReadOnlyList<ActorSystem> Nodes => _nodes;

    public HistoryDesk Start(string history)
    {
        var (config, store) = AccountTestConfig.Sqlite(dir);
        _file = store.DatabasePath;
        var system = AccountTestConfig.System($"node{_nodes.Count}", ConfigurationFactory.ParseString($"switchboard.history {{ {history} }}").WithFallback(config), store);
        _nodes.Add(system);
        return system.StartStore(store with { History = HistorySettings.Create(system.Settings.Config) }).History!;
    }

    /// <summary>The conversations whose rows the file holds (deleted-flagged rows too: they are in the file) whose keys
    /// start with <paramref name="prefix"/> (<c>#</c> rooms, <c>@</c> direct), by key, space-separated.</summary>
    public string Keys(string prefix) => string.Join(" ",
        Query($"SELECT DISTINCT persistence_id FROM event_journal WHERE persistence_id LIKE 'conversation-{prefix}%' ORDER BY persistence_id",
            r => r.GetString(0)["conversation-".Length..]));

    public T[] Query<T>(string sql, Func<SqliteDataReader, T> read)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return [.. rows];
    }

    public void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(Wait);
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
