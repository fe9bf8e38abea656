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

    private IActorRef Node(string history = "max-messages = 2, max-live = 1")
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir);
        _file = store.DatabasePath;
        var system = AccountTestConfig.System($"node{_nodes.Count}", ConfigurationFactory.ParseString($"switchboard.history {{ {history} }}").WithFallback(config), store);
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

    private long JournalRows() => Rows("event_journal", Lobby.PersistenceId);

    private long Rows(string table, string persistenceId)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Mode = SqliteOpenMode.ReadOnly }.ToString());
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM {table} WHERE persistence_id = $id";
        count.Parameters.AddWithValue("$id", persistenceId);
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

    // Tester (2026-12-07): retention lowered, a query answered "trimmed 193"; retention raised again, and those 193
    // showed again: trimmed rows are deleted in batches, later than they are hidden. What a query reported trimmed stays gone.
    [Fact]
    public async Task Messages_a_query_reported_trimmed_stay_gone_when_retention_is_raised_again()
    {
        var history = Node("max-messages = 100");
        for (var i = 1; i <= 30; i++) Post(history, i, $"m{i}");
        await _nodes[^1].Terminate();

        history = Node("max-messages = 10"); // 20 trimmed as it is read back: fewer than a batch (64)
        var lowered = Latest(history);
        Assert.Equal((20L, 30L, 10), (lowered.Trimmed, lowered.LastId, lowered.Lines.Length));
        // The 10 kept, and the last deleted row, flagged (the journal's record of where it deleted to).
        await Eventually.HoldsAsync(() => JournalRows() <= 10 + 1, Wait, () => $"the 20 reported trimmed deleted from the file ({JournalRows()} rows)");
        await _nodes[^1].Terminate();

        history = Node("max-messages = 100");
        var raised = Latest(history);
        Assert.Equal((20L, 30L), (raised.Trimmed, raised.LastId));
        Assert.Equal(Enumerable.Range(21, 10).Select(i => $"m{i}"), raised.Lines.Select(l => l.Text));
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

    [Fact]
    public async Task An_inbox_keeps_a_few_rows_however_often_its_markers_move_and_its_state_survives_a_restart()
    {
        var history = Node("max-messages = 1000");
        const int Messages = 3 * InboxActor.SnapshotEvery;
        for (var i = 1; i <= Messages; i++) Post(history, i, $"m{i}");
        var fromBob = Conversation.Direct("bob", "alice");
        for (var i = 1; i <= 3; i++)
        {
            history.Tell(new Post(fromBob, i, "bob", $"held {i}"), TestActor);
            history.Tell(new Hold("alice", i, fromBob, ExpectMsg<Posted>(Wait).MsgId), TestActor);
            ExpectMsg<HeldOk>(Wait);
        }
        // One event per marker moved: alice reads the lobby message by message.
        for (var id = 1; id <= Messages; id++)
        {
            history.Tell(new MarkReadUpTo("alice", id, Lobby, id), TestActor);
            Assert.Equal(id, ExpectMsg<MarkedOk>(Wait).Marker);
        }
        var inbox = InboxActor.PersistenceIdOf("alice");
        // Without snapshots all 303 events stay; with them, at most the events since the last one, and the newest
        // (deleted) row that records the highest sequence number.
        await Eventually.HoldsAsync(() => Rows("event_journal", inbox) <= InboxActor.SnapshotEvery + 1 && Rows("snapshot", inbox) == 1, Wait,
            () => $"the inbox's events deleted up to its snapshot ({Rows("event_journal", inbox)} rows, {Rows("snapshot", inbox)} snapshots)");
        await _nodes[0].Terminate();

        history = Node("max-messages = 1000");
        history.Tell(new ReadMarkers("alice", 1, [Lobby]), TestActor);
        Assert.Equal([(Lobby, (long)Messages)], ExpectMsg<MarkersRead>(Wait).Markers);
        history.Tell(new CollectAway("alice"), TestActor);
        Assert.Equal(["held 1", "held 2", "held 3"], ExpectMsg<AwayReport>(Wait).Lines.Select(l => l.Line.Text));
        // And it goes on from there: the next event is numbered after the snapshot's.
        history.Tell(new MarkReadUpTo("alice", 1, Lobby, Messages), TestActor);
        Assert.Equal(Messages, ExpectMsg<MarkedOk>(Wait).Marker);
    }

    // A reserved name's marker in a room it left counted that room's new messages at every login (a retest's finding).
    [Fact]
    public async Task A_marker_forgotten_when_its_owner_leaves_the_room_stays_forgotten_after_a_restart()
    {
        var history = Node("max-messages = 1000");
        var games = Conversation.Room("#games");
        Post(history, 1, "m1");
        history.Tell(new Post(games, 2, "bob", "g1"), TestActor);
        ExpectMsg<Posted>(Wait);
        history.Tell(new MarkReadUpTo("alice", 3, Lobby, 1), TestActor);
        ExpectMsg<MarkedOk>(Wait);
        history.Tell(new MarkReadUpTo("alice", 4, games, 1), TestActor);
        ExpectMsg<MarkedOk>(Wait);
        history.Tell(new ForgetMarker("alice", Lobby), TestActor);
        history.Tell(new ForgetMarker("alice", Conversation.Room("#never-marked")), TestActor); // nothing to forget: no event
        history.Tell(new ReadMarkers("alice", 5, [Lobby, games]), TestActor);
        Assert.Equal([(games, 1L)], ExpectMsg<MarkersRead>(Wait).Markers);
        await _nodes[0].Terminate();

        history = Node("max-messages = 1000");
        history.Tell(new ReadMarkers("alice", 6, [Lobby, games]), TestActor);
        Assert.Equal([(games, 1L)], ExpectMsg<MarkersRead>(Wait).Markers);
        // Marked again after, it counts again.
        history.Tell(new MarkReadUpTo("alice", 7, Lobby, 1), TestActor);
        ExpectMsg<MarkedOk>(Wait);
        history.Tell(new ReadMarkers("alice", 8, [Lobby]), TestActor);
        Assert.Equal([(Lobby, 1L)], ExpectMsg<MarkersRead>(Wait).Markers);
    }

    [Fact]
    public async Task What_a_name_held_for_its_earlier_owner_leaves_the_file_when_it_changes_hands()
    {
        var history = Node("max-messages = 1000");
        var fromBob = Conversation.Direct("bob", "alice");
        history.Tell(new Post(fromBob, 1, "bob", "for the old alice"), TestActor);
        history.Tell(new Hold("alice", 1, fromBob, ExpectMsg<Posted>(Wait).MsgId), TestActor);
        ExpectMsg<HeldOk>(Wait);
        history.Tell(new MarkReadUpTo("alice", 2, fromBob, 1), TestActor);
        ExpectMsg<MarkedOk>(Wait);

        history.Tell(new ReservationChanged("alice"));
        var inbox = InboxActor.PersistenceIdOf("alice");
        // Left: the snapshot of an empty inbox and the flagged row of the highest sequence number.
        await Eventually.HoldsAsync(() => Rows("event_journal", inbox) <= 1 && Rows("snapshot", inbox) == 1, Wait,
            () => $"the old owner's events deleted ({Rows("event_journal", inbox)} rows, {Rows("snapshot", inbox)} snapshots)");
        await _nodes[0].Terminate();

        history = Node("max-messages = 1000");
        history.Tell(new CollectAway("alice"), TestActor);
        var away = ExpectMsg<AwayReport>(Wait);
        Assert.Equal((0, 0), (away.Lines.Length, away.Unread.Length));
    }

    // Events written straight into the file, as a version or a fault might have left them.
    private async Task WithJournal(params object[] events)
    {
        Node("max-messages = 1000");
        await _nodes[^1].Terminate();
        var serializer = (HistoryEventSerializer)Sys.Serialization.FindSerializerForType(typeof(MessagePosted));
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file }.ToString()))
        {
            db.Open();
            for (var seq = 1; seq <= events.Length; seq++)
            {
                using var insert = db.CreateCommand();
                insert.CommandText = "INSERT INTO event_journal (timestamp, is_deleted, persistence_id, sequence_nr, payload, manifest, serializer_id) " +
                    "VALUES (1, 0, $pid, $seq, $payload, $manifest, $serializer)";
                insert.Parameters.AddWithValue("$pid", Lobby.PersistenceId);
                insert.Parameters.AddWithValue("$seq", seq);
                insert.Parameters.AddWithValue("$payload", serializer.ToBinary(events[seq - 1]));
                insert.Parameters.AddWithValue("$manifest", serializer.Manifest(events[seq - 1]));
                insert.Parameters.AddWithValue("$serializer", serializer.Identifier);
                insert.ExecuteNonQuery();
            }
        }
        SqliteConnection.ClearAllPools();
    }

    private static MessagePosted Line(string text, int n) => new("bob", text, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000 + n);

    private HistoryPage Latest(IActorRef history)
    {
        history.Tell(new ReadHistory(Lobby, 1, HistoryAnchor.Latest, 0, 100), TestActor);
        return ExpectMsg<HistoryPage>(Wait);
    }

    // A file of a version before MessagesPosted: one "posted" event per message, its id the event's sequence number.
    [Fact]
    public async Task A_journal_of_one_event_per_message_reads_back_with_its_ids_and_goes_on_from_them()
    {
        await WithJournal(Line("old 1", 1), Line("old 2", 2), Line("old 3", 3));
        var history = Node("max-messages = 1000");
        Assert.Equal(4, Post(history, 4, "new"));
        Assert.Equal([(1L, "old 1"), (2L, "old 2"), (3L, "old 3"), (4L, "new")], Latest(history).Lines.Select(l => (l.Id, l.Text)));
    }

    // A batch the journal rejected while the next one was written leaves a gap: the lines after it keep their ids, and
    // what came before reads as trimmed (not shifted onto the wrong ids).
    [Fact]
    public async Task Ids_missing_from_the_journal_read_as_trimmed_and_every_kept_line_keeps_its_id()
    {
        await WithJournal(new MessagesPosted(1, [Line("one", 1), Line("two", 2)]), new MessagesPosted(5, [Line("five", 5)]));
        var history = Node("max-messages = 1000");
        var page = Latest(history);
        Assert.Equal([(5L, "five")], page.Lines.Select(l => (l.Id, l.Text)));
        Assert.Equal((4L, 5L), (page.Trimmed, page.LastId));
        Assert.Equal(6, Post(history, 2, "six"));
    }

    // Ids that go back are a damaged journal: the conversation is not read, rather than guessed (what was asked meanwhile
    // is answered 503 at once); nor is anything written after them.
    [Fact]
    public async Task A_journal_whose_ids_go_back_is_not_read()
    {
        await WithJournal(new MessagesPosted(1, [Line("one", 1), Line("two", 2)]), new MessagesPosted(2, [Line("again", 3)]));
        var history = Node("max-messages = 1000");
        history.Tell(new ReadHistory(Lobby, 1, HistoryAnchor.Latest, 0, 100), TestActor);
        history.Tell(new Post(Lobby, 2, "bob", "after"), TestActor);
        var failed = new[] { ExpectMsg<HistoryFailed>(Wait), ExpectMsg<HistoryFailed>(Wait) };
        Assert.Equal([(1L, Codes.Unavailable), (2L, Codes.Unavailable)], failed.Select(f => (f.Ticket, f.Code)).Order());
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, JournalRows());
    }

    // A reservation starts after every message the node stamped, though the clock stepped back (ReservationClockSpecs);
    // after a restart too: what the store holds counts, not only what this run stamped (hostile tester hC).
    [Fact]
    public async Task After_a_restart_a_reservation_starts_after_every_message_the_store_holds()
    {
        var history = Node();
        history.Tell(new Post(Conversation.Direct("bobx", "gal1"), 1, "bobx", "to the guest gal1"), TestActor);
        var posted = ExpectMsg<Posted>(Wait);
        await _nodes[0].Terminate().WaitAsync(Wait);

        var (config, store) = AccountTestConfig.Sqlite(_dir);
        var system = AccountTestConfig.System("restarted", config, store);
        _nodes.Add(system);
        var (_, reserved) = system.StartAccounts(store);
        // The clock is an hour behind that message now.
        Assert.True(reserved.Times.Reserve(posted.TimeMs - 3_600_000) > posted.TimeMs);
    }

    public new void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(Wait);
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
