using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-06): <c>kept-rooms</c> dropped, past its bound, the room written least recently once no
/// guests-only room was left, whoever wrote it. Rooms and reserved names cost nothing, so one client with a reserved name
/// writing a line in each of 1,030 fresh rooms (13.5 s, within its rate limit; <c>HostileRoomHistorySpecs</c>) had the
/// whole history of every other room deleted, a room its reserved member was in included. Now a room made by a writer
/// who has rooms of its own held drops one of those, never another's: a guests-only room still goes first (guest names
/// cost nothing), then the writer's own, and only a writer with none (its first room) drops the least recent of all.
/// </summary>
public sealed class HostileRoomLedgerSpecs() : SqliteHistorySpecs("sbhostile-ledger-")
{
    private HistoryDesk Node(string history) => Nodes.Start(history);

    private void Post(HistoryDesk history, string room, string text, string from) => Post(history, Conversation.Room(room), from, text);

    private HistoryPage Read(HistoryDesk history, string room) => Read(history, Conversation.Room(room));

    private string Rooms() => Nodes.Keys("#");

    [Fact]
    public async Task A_reserved_writer_making_room_after_room_drops_its_own_rooms_history_not_anothers()
    {
        var history = Node("kept-rooms = 4");
        history.Reserved.Reserved("alice", 1);
        history.Reserved.Reserved("mallory", 2);
        Post(history, "#club", "the minutes of our last meeting", from: "alice");
        for (var i = 1; i <= 10; i++) Post(history, $"#m{i}", "x", from: "mallory");
        await Eventually.HoldsAsync(() => Rooms() == "#club #m10 #m8 #m9", Wait, () => $"the rooms in the file: {Rooms()}");
        Assert.Equal(["the minutes of our last meeting"], Read(history, "#club").Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task A_guests_only_room_still_goes_before_a_writers_own()
    {
        var history = Node("kept-rooms = 3");
        history.Reserved.Reserved("mallory", 2);
        Post(history, "#m1", "x", from: "mallory");
        Post(history, "#guests", "hi", from: "guest1");
        Post(history, "#m2", "x", from: "mallory");
        Post(history, "#m3", "x", from: "mallory");
        await Eventually.HoldsAsync(() => Rooms() == "#m1 #m2 #m3", Wait, () => $"the rooms in the file: {Rooms()}");
    }

    /// <summary>Hostile tester hA (2026-12-07): the rooms read back from the file at a start counted as guests-only (who
    /// wrote them is not read back), so right after any restart one guest writing a line in each of kept-rooms fresh rooms
    /// (join, say, leave in a loop, within its rate limit) had the history of every room in the file deleted, reserved
    /// members' included. Now they count as a reserved writer's: guests making rooms in a loop drop at most one of them,
    /// then cycle through their own.</summary>
    [Fact]
    public async Task After_a_restart_guests_making_room_after_room_do_not_drop_the_rooms_the_file_holds()
    {
        var history = Node("kept-rooms = 4");
        history.Reserved.Reserved("alice", 1);
        foreach (var room in new[] { "#book", "#chess", "#club" }) Post(history, room, "the minutes of our last meeting", from: "alice");
        await Nodes.Nodes[0].Terminate();

        history = Node("kept-rooms = 4");
        history.Reserved.Reserved("alice", 1);
        for (var i = 1; i <= 10; i++) Post(history, $"#g{i}", "x", from: $"guest{i}");
        await Eventually.HoldsAsync(() => Rooms() == "#book #chess #club #g10", Wait, () => $"the rooms in the file: {Rooms()}");
        Assert.Equal(["the minutes of our last meeting"], Read(history, "#book").Lines.Select(l => l.Text));
    }
}
