using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// Two nodes sharing one data directory (as nodes sharing a segment do), on a real SQLite file: only the holder of
/// <c>history.lock</c> keeps history, so every conversation has one writer however the two race; the other sends what
/// it would keep unkept and answers queries 503; and when the keeper stops, the other takes over and goes on from the
/// ids in the store.
/// </summary>
public sealed class HistoryKeeperSpecs() : TestKit(ActorTestConfig.Server()), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly Conversation Lobby = Conversation.Room("#lobby");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-keeper-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<(ActorSystem System, HistoryKeeperLock Lock)> _nodes = [];
    private string _file = "";

    private IActorRef Node()
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir);
        _file = store.DatabasePath;
        var system = AccountTestConfig.System($"node{_nodes.Count}", ConfigurationFactory.ParseString("switchboard.history.keeper-retry = 100ms").WithFallback(config), store);
        var keeper = new HistoryKeeperLock(store.Directory);
        _nodes.Add((system, keeper));
        return system.StartStore(store with { History = HistorySettings.Create(system.Settings.Config) }, keeper: keeper).History!.Actor;
    }

    private object Post(IActorRef history, long ticket)
    {
        history.Tell(new Post(Lobby, ticket, "bob", $"m{ticket}"), TestActor);
        return ExpectMsg<object>(m => m is Posted or NotKept or HistoryFailed, Wait);
    }

    private List<long> JournalIds()
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Mode = SqliteOpenMode.ReadOnly }.ToString());
        db.Open();
        using var read = db.CreateCommand();
        read.CommandText = "SELECT sequence_nr, payload, manifest FROM event_journal WHERE persistence_id = $id ORDER BY ordering";
        read.Parameters.AddWithValue("$id", Lobby.PersistenceId);
        using var rows = read.ExecuteReader();
        var serializer = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(MessagesPosted));
        var (ids, seqs) = (new List<long>(), new List<long>());
        while (rows.Read())
        {
            seqs.Add(rows.GetInt64(0));
            var batch = (MessagesPosted)serializer.FromBinary((byte[])rows[1], rows.GetString(2));
            for (var id = batch.FirstId; id <= batch.LastId; id++) ids.Add(id);
        }
        // The events too follow one another with no gap: one writer.
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        return ids;
    }

    [Fact]
    public void Racing_nodes_keep_each_message_once_through_the_one_keeper()
    {
        var (a, b) = (Node(), Node());
        // Both nodes' sessions post at once, interleaved: one node keeps, the other sends its messages out unkept.
        for (var i = 1; i <= 40; i++) (i % 2 == 0 ? a : b).Tell(new Post(Lobby, i, "bob", $"m{i}"), TestActor);
        var answers = ReceiveN(40, Wait).ToList();
        var posted = answers.OfType<Posted>().ToList();
        Assert.Equal(20, posted.Count);
        Assert.Equal(20, answers.OfType<NotKept>().Count());
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), posted.Select(p => p.MsgId).Order());
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), JournalIds()); // one writer: no collision, no gap
        // The other answers a query with where the history is.
        var dormant = posted.All(p => p.Ticket % 2 == 0) ? b : a;
        dormant.Tell(new ReadHistory(Lobby, 99, HistoryAnchor.Latest, 0, 10), TestActor);
        var refused = ExpectMsg<HistoryFailed>(Wait);
        Assert.Equal(Codes.Unavailable, refused.Code);
        Assert.Contains("another node", refused.Error);
    }

    [Fact]
    public async Task When_the_keeper_stops_the_other_node_takes_over_and_goes_on_from_the_stores_ids()
    {
        var first = Node();
        Assert.Equal(1, Assert.IsType<Posted>(Post(first, 1)).MsgId);
        var second = Node();
        Assert.IsType<NotKept>(Post(second, 2));

        await _nodes[0].System.Terminate();
        _nodes[0].Lock.Dispose(); // the host releases it (the kernel does, when a node dies)

        await AwaitAssertAsync(() => Assert.IsType<Posted>(Post(second, 3)), Wait, TimeSpan.FromMilliseconds(50));
        second.Tell(new ReadHistory(Lobby, 4, HistoryAnchor.Latest, 0, 10), TestActor);
        var page = ExpectMsg<HistoryPage>(Wait);
        Assert.Equal("m1", page.Lines[0].Text);
        Assert.Equal(Enumerable.Range(1, page.Lines.Length).Select(i => (long)i), page.Lines.Select(l => l.Id));
    }

    public new void Dispose()
    {
        foreach (var (system, keeper) in _nodes)
        {
            system.Terminate().Wait(Wait);
            keeper.Dispose();
        }
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
