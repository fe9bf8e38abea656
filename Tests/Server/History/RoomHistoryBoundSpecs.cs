using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// What the store keeps of rooms, whatever peers do (a hostile tester's 16 guests wrote 250 MB of room history in 20 s,
/// kept for 30 days): each room holds about its own bound in the file, not a deletion batch of long messages more, and
/// the file holds the history of at most <c>kept-rooms</c> rooms: the room written least recently (one only guests wrote
/// first) loses its history whole, in the file too, so rooms made and written in a loop cannot fill the disk. On a real
/// SQLite file, wired as the host does it.
/// </summary>
public sealed class RoomHistoryBoundSpecs() : SqliteHistorySpecs("sb-roombound-")
{
    private HistoryDesk Node(string history) => Nodes.Start(history);

    private long Post(HistoryDesk history, string room, string text, string from = "bob") => Post(history, Conversation.Room(room), from, text).MsgId;

    private HistoryPage Read(HistoryDesk history, string room) => Read(history, Conversation.Room(room));

    private long PayloadBytes(string room) =>
        Nodes.Query("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM event_journal WHERE persistence_id = 'conversation-" + room + "'", r => r.GetInt64(0))[0];

    private string Rooms() => Nodes.Keys("#");

    [Fact]
    public async Task Rooms_written_one_after_another_keep_history_in_at_most_kept_rooms_of_them()
    {
        // max-live = 2: most rooms dropped are no longer in memory (started only to forget), the others still are.
        var history = Node("kept-rooms = 4, max-live = 2");
        for (var i = 1; i <= 12; i++)
            for (var j = 1; j <= 3; j++) Post(history, $"#r{i}", $"m{j}");
        // The four written last keep theirs; the others' rows left the file, the flagged one of the highest id too.
        await Eventually.HoldsAsync(() => Rooms() == "#r10 #r11 #r12 #r9", Wait, () => $"the rooms in the file: {Rooms()}");
        Assert.Equal(["m1", "m2", "m3"], Read(history, "#r12").Lines.Select(l => l.Text));
        Assert.Equal(["m1", "m2", "m3"], Read(history, "#r9").Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task A_room_whose_history_was_dropped_reads_empty_and_starts_afresh()
    {
        var history = Node("kept-rooms = 2");
        Post(history, "#a", "a1");
        Post(history, "#a", "a2");
        Post(history, "#b", "b1");
        Post(history, "#c", "c1");
        await Eventually.HoldsAsync(() => Rooms() == "#b #c", Wait, () => $"the rooms in the file: {Rooms()}");
        var a = Read(history, "#a");
        Assert.Equal((0, 0L, 0L), (a.Lines.Length, a.Trimmed, a.LastId));
        Assert.Equal(1, Post(history, "#a", "a again"));
        // #a is written again: now #b is the one written least recently.
        await Eventually.HoldsAsync(() => Rooms() == "#a #c", Wait, () => $"the rooms in the file: {Rooms()}");
        Assert.Equal(["a again"], Read(history, "#a").Lines.Select(l => l.Text));
        Assert.Equal(["c1"], Read(history, "#c").Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task The_rooms_in_the_file_count_after_a_restart_and_a_lower_bound_drops_the_excess_at_start()
    {
        var history = Node("kept-rooms = 5");
        foreach (var room in new[] { "#a", "#b", "#c", "#d", "#e" }) Post(history, room, "before");
        await Nodes.Nodes[0].Terminate();

        history = Node("kept-rooms = 3");
        await Eventually.HoldsAsync(() => Rooms() == "#c #d #e", Wait, () => $"the rooms in the file: {Rooms()}");
        Post(history, "#f", "after");
        await Eventually.HoldsAsync(() => Rooms() == "#d #e #f", Wait, () => $"the rooms in the file: {Rooms()}");
        Assert.Equal(["before"], Read(history, "#d").Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task A_room_a_reserved_name_wrote_in_outlasts_the_rooms_only_guests_wrote()
    {
        var history = Node("kept-rooms = 3");
        history.Reserved.Reserved("alice", 1);
        Post(history, "#club", "from alice", from: "alice");
        for (var i = 1; i <= 8; i++) Post(history, $"#g{i}", "from a guest", from: $"guest{i}");
        await Eventually.HoldsAsync(() => Rooms() == "#club #g7 #g8", Wait, () => $"the rooms in the file: {Rooms()}");
        Assert.Equal(["from alice"], Read(history, "#club").Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task A_room_of_long_messages_holds_about_its_byte_bound_in_the_file_not_a_deletion_batch_more()
    {
        // max-bytes counts 2 bytes a character: 64 KiB is 32 KiB of ASCII, 8 of these 4,000-character messages.
        var history = Node("max-bytes = 65536");
        var text = new string('x', 4000);
        for (var i = 1; i <= 60; i++) Post(history, "#long", text);
        Assert.Equal(8, Read(history, "#long").Lines.Length);
        // Kept: 32 KiB of text; trimmed but not deleted yet: less than a quarter of max-bytes more (and one message).
        // Before: the 52 trimmed stayed until 64 had gathered, 240 KB in the file.
        await Eventually.HoldsAsync(() => PayloadBytes("#long") <= 32768 + 8192 + 2 * 4100, Wait,
            () => $"the room's payload in the file: {PayloadBytes("#long")} bytes");
    }
}
