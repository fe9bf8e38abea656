using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// What the store keeps of direct conversations with a guest, whatever peers do: each is bounded by retention, and the
/// file holds at most <c>kept-guest-conversations</c> of them. Guest names cost nothing, so one peer writing to a reserved
/// name from ever new guest names grew the file ~2 MB/s (a hostile tester's finding, <c>HostileDmStoreSpecs</c>); now the
/// one written least recently loses its history whole. Conversations between two reserved names are not counted. On a
/// real SQLite file, wired as the host does it.
/// </summary>
public sealed class GuestConversationBoundSpecs() : SqliteHistorySpecs("sb-guestdm-")
{
    private HistoryDesk Node(string history)
    {
        var desk = Nodes.Start(history);
        desk.Reserved.Reserved("alice", 1);
        desk.Reserved.Reserved("carol", 2);
        return desk;
    }

    private void Post(HistoryDesk history, string from, string to, string text) => Post(history, Conversation.Direct(from, to), from, text);

    private HistoryPage Read(HistoryDesk history, string a, string b) => Read(history, Conversation.Direct(a, b));

    private string Direct() => Nodes.Keys("@");

    [Fact]
    public async Task Guests_writing_to_a_reserved_name_from_new_names_keep_at_most_kept_guest_conversations()
    {
        var history = Node("kept-guest-conversations = 3, max-live = 2");
        Post(history, "alice", "carol", "between two reserved names: never counted");
        for (var i = 1; i <= 8; i++) Post(history, $"g{i}", "alice", $"spam {i}");
        // The three written last keep theirs, and the reserved pair's; the rest left the file.
        await Eventually.HoldsAsync(() => Direct() == "@alice@carol @alice@g6 @alice@g7 @alice@g8", Wait, () => $"in the file: {Direct()}");
        Assert.Equal(["between two reserved names: never counted"], Read(history, "alice", "carol").Lines.Select(l => l.Text));
        Assert.Equal(["spam 8"], Read(history, "alice", "g8").Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task A_dropped_guest_conversation_reads_empty_and_starts_afresh()
    {
        var history = Node("kept-guest-conversations = 2");
        Post(history, "g1", "alice", "first");
        Post(history, "g2", "alice", "x");
        Post(history, "g3", "alice", "x");
        await Eventually.HoldsAsync(() => Direct() == "@alice@g2 @alice@g3", Wait, () => $"in the file: {Direct()}");
        Assert.Empty(Read(history, "alice", "g1").Lines);
        history.Actor.Tell(new Post(Conversation.Direct("g1", "alice"), NextTicket(), "g1", "again"), TestActor);
        Assert.Equal(1, ExpectMsg<Posted>(Wait).MsgId);
    }

    // Conversations between two reserved names are not counted, and a release left them uncounted until the next restart:
    // a peer reserving names (10 at once, 20 an hour from one host), writing from them to reserved names (its own too)
    // and releasing them in turn left ever more of them in the file, each up to its retention (max-bytes).
    [Fact]
    public async Task A_released_names_conversations_with_reserved_names_count_as_guest_conversations_from_the_release_on()
    {
        var history = Node("kept-guest-conversations = 2");
        history.Reserved.Reserved("bob", 3);
        history.Reserved.Reserved("dave", 4);
        Post(history, "alice", "bob", "x");
        Post(history, "alice", "carol", "x");
        Post(history, "alice", "dave", "x");
        Post(history, "bob", "carol", "between two who stay reserved");
        Post(history, "g1", "carol", "a guest's");
        await Eventually.HoldsAsync(() => Direct() == "@alice@bob @alice@carol @alice@dave @bob@carol @carol@g1", Wait, () => $"in the file: {Direct()}");

        // alice gives her name up: her three conversations have a guest party now, and the store holds two such at most.
        history.Reserved.Released("alice");
        Nodes.Nodes[^1].EventStream.Publish(new ReservationChanged("alice"));
        await Eventually.HoldsAsync(() => Direct().Split(' ').Count(k => k.StartsWith("@alice@", StringComparison.Ordinal)) == 1, Wait,
            () => $"in the file: {Direct()}");
        // Counted as written before the guest's: a peer releasing names does not push out anyone else's conversations.
        Assert.Contains("@carol@g1", Direct().Split(' '));
        Assert.Contains("@bob@carol", Direct().Split(' '));
    }

    [Fact]
    public async Task The_guest_conversations_in_the_file_are_counted_at_start()
    {
        var first = Node("kept-guest-conversations = 5");
        for (var i = 1; i <= 4; i++) Post(first, $"g{i}", "alice", "x");
        await Nodes.Nodes[0].Terminate().WaitAsync(Wait);
        SqliteConnection.ClearAllPools();
        // Restarted with a lower bound: the least recently written go as it starts keeping, and the next new one counts.
        var second = Node("kept-guest-conversations = 2");
        await Eventually.HoldsAsync(() => Direct() == "@alice@g3 @alice@g4", Wait, () => $"in the file: {Direct()}");
        Post(second, "g5", "alice", "x");
        await Eventually.HoldsAsync(() => Direct() == "@alice@g4 @alice@g5", Wait, () => $"in the file: {Direct()}");
    }
}
