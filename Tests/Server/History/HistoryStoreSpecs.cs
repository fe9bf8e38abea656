using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// The history on a real SQLite file, wired as the host does it: messages survive the actor system, retention trims the
/// file itself (not only memory), and ids go on from the last one after a trim and a restart, never from 1 again.
/// </summary>
public sealed class HistoryStoreSpecs() : TestKit(ActorTestConfig.Server()), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly Conversation Lobby = Conversation.Room("#lobby");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-history-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ActorSystem> _nodes = [];
    private string? _file;

    private IActorRef Node()
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir);
        _file = store.DatabasePath;
        var system = AccountTestConfig.System($"node{_nodes.Count}", ConfigurationFactory.ParseString("switchboard.history { max-messages = 2, max-live = 1 }").WithFallback(config), store);
        _nodes.Add(system);
        return system.StartStore(HistoryTestStore(store, system)).History!.Actor;
    }

    // The store's history settings as the node read them (max-messages = 2 here).
    private static DataStore HistoryTestStore(DataStore store, ActorSystem system) => store with { History = HistorySettings.Create(system.Settings.Config) };

    private long Post(IActorRef history, long ticket, string text)
    {
        history.Tell(new Post(Lobby, ticket, "bob", text), TestActor);
        return ExpectMsg<Posted>(Wait).MsgId;
    }

    private long JournalRows()
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Mode = SqliteOpenMode.ReadOnly }.ToString());
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM event_journal WHERE persistence_id = $id";
        count.Parameters.AddWithValue("$id", Lobby.PersistenceId);
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public async Task Trimmed_messages_leave_the_file_and_ids_go_on_after_a_restart()
    {
        var history = Node();
        for (var i = 1; i <= 70; i++) Assert.Equal(i, Post(history, i, $"m{i}"));
        // Kept: 69 and 70; trimmed ids are deleted from the journal in batches of 64 (1..64 here), and the journal keeps
        // the last deleted row, flagged, as its record of the highest id.
        await Eventually.HoldsAsync(() => JournalRows() <= 70 - 64 + 1, Wait, () => $"the trimmed messages deleted from the file ({JournalRows()} rows)");
        await _nodes[0].Terminate();

        history = Node();
        Assert.Equal(71, Post(history, 71, "after the restart"));
        history.Tell(new ReadHistory(Lobby, 1, HistoryAnchor.Latest, 0, 100), TestActor);
        var page = ExpectMsg<HistoryPage>(Wait);
        Assert.Equal(["m70", "after the restart"], page.Lines.Select(l => l.Text));
        Assert.Equal((69L, 71L), (page.Trimmed, page.LastId));
    }

    [Fact]
    public async Task A_conversation_let_go_leaves_what_retention_trimmed_out_of_the_file()
    {
        var history = Node();
        for (var i = 1; i <= 10; i++) Post(history, i, $"m{i}"); // 8 trimmed: fewer than a batch, still in the file
        history.Tell(new Post(Conversation.Room("#other"), 11, "bob", "x"), TestActor); // max-live = 1: the lobby is let go
        ExpectMsg<Posted>(Wait);
        await Eventually.HoldsAsync(() => JournalRows() <= 3, Wait, () => $"the lobby's trimmed messages deleted when let go ({JournalRows()} rows)");
    }

    public new void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(Wait);
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
