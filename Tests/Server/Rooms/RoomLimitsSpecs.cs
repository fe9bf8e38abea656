using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Rooms;

/// <summary>
/// The node's bound on replay histories is everyone's: a room nobody here is in any more gives its place to a new one (the
/// least recently used goes), rooms past it are joined and work without a replay, and one client may be in only so many
/// rooms at once, so neither a guest creating and leaving rooms nor clients sitting in them keep anyone from a room.
/// </summary>
public sealed class RoomLimitsSpecs() : TestKit(ActorTestConfig.Server())
{
    private IActorRef Rooms(int maxRooms, int perClient) =>
        Sys.ActorOf(RoomsActor.Props(new RoomsSettings(History: 50, HistoryBytes: 65536, MaxRooms: maxRooms, PerClient: perClient), TestActor, null));

    private object Join(IActorRef rooms, Akka.TestKit.TestProbe session, long id, string room)
    {
        rooms.Tell(new JoinLocal(id, room, session.Ref));
        return session.ExpectMsg<object>(m => m is RoomJoined or RoomRefused);
    }

    private void Say(IActorRef rooms, string room, string text) => rooms.Tell(new Fanout("spam", room, text, TestActor), TestActor);

    [Fact]
    public void Rooms_left_empty_give_their_places_to_new_ones_the_least_recently_used_first()
    {
        var rooms = Rooms(maxRooms: 4, perClient: 32);
        var spam = CreateTestProbe();
        for (var i = 0; i < 4; i++)
        {
            Assert.IsType<RoomJoined>(Join(rooms, spam, i, $"#m{i}"));
            Say(rooms, $"#m{i}", "x");
            spam.ExpectMsg<Handed>();
            rooms.Tell(new LeaveLocal(100 + i, $"#m{i}", spam.Ref));
            spam.ExpectMsg<RoomLeft>();
        }
        Say(rooms, "#m0", "#m0 used again"); // #m1 is now the least recently used

        var newbie = CreateTestProbe();
        Assert.IsType<RoomJoined>(Join(rooms, newbie, 1, "#brandnew"));
        Say(rooms, "#brandnew", "its first message takes a place");
        newbie.ExpectMsg<Handed>();
        rooms.Tell(new RoomsQuery(2, newbie.Ref));
        Assert.Equal(["#brandnew", "#m0", "#m2", "#m3"], newbie.ExpectMsg<RoomsList>().Rooms.Select(r => r.Name));
    }

    // Hostile testers' findings: 8 guests of one host (32 rooms each), and then four loopback addresses past a per-host
    // bound, held every one of the node's 256 rooms, and every other new room was 503 while they stayed.
    [Fact]
    public void Rooms_with_members_keep_their_replays_and_a_new_room_past_the_bound_is_joined_and_works_without_one()
    {
        var rooms = Rooms(maxRooms: 2, perClient: 32);
        var a = CreateTestProbe();
        foreach (var (room, i) in new[] { ("#a", 1), ("#b", 2) })
        {
            Join(rooms, a, i, room);
            Say(rooms, room, $"in {room}");
            a.ExpectMsg<Handed>();
        }
        var newcomer = CreateTestProbe();
        Assert.IsType<RoomJoined>(Join(rooms, newcomer, 1, "#c"));
        Say(rooms, "#c", "hello c");
        Assert.Equal("hello c", ((Fanout)newcomer.ExpectMsg<Handed>().Message).Text);
        // Its messages were not kept for a replay here; the full rooms' still are.
        Assert.Empty(Assert.IsType<RoomJoined>(Join(rooms, CreateTestProbe(), 1, "#c")).History);
        Assert.Single(Assert.IsType<RoomJoined>(Join(rooms, CreateTestProbe(), 1, "#a")).History);
        // Once a room with a replay is left empty, the next new room's messages take its place.
        rooms.Tell(new LeaveAll(a.Ref));
        Say(rooms, "#c", "kept now");
        newcomer.ExpectMsg<Handed>();
        Assert.Equal([("spam", "kept now")], Assert.IsType<RoomJoined>(Join(rooms, CreateTestProbe(), 2, "#c")).History);
    }

    [Fact]
    public void One_client_is_in_at_most_per_client_rooms_and_leaving_one_makes_room_for_another()
    {
        var rooms = Rooms(maxRooms: 256, perClient: 3);
        var sitter = CreateTestProbe();
        for (var i = 0; i < 3; i++) Assert.IsType<RoomJoined>(Join(rooms, sitter, i, $"#s{i}"));
        var refused = Assert.IsType<RoomRefused>(Join(rooms, sitter, 3, "#s3"));
        Assert.Equal(Codes.RateLimited, refused.Code);
        Assert.Contains("at most 3 rooms", refused.Error);
        // Joining one it is in already is no new room.
        Assert.True(Assert.IsType<RoomJoined>(Join(rooms, sitter, 4, "#s0")).AlreadyMember);

        rooms.Tell(new LeaveLocal(5, "#s1", sitter.Ref));
        sitter.ExpectMsg<RoomLeft>();
        Assert.IsType<RoomJoined>(Join(rooms, sitter, 6, "#s3"));
        // A session gone leaves all its rooms, and its count with them.
        rooms.Tell(new LeaveAll(sitter.Ref));
        for (var i = 0; i < 3; i++) Assert.IsType<RoomJoined>(Join(rooms, sitter, 10 + i, $"#t{i}"));
    }

    // Rooms with members are no longer bounded by max-rooms: a list of them all could pass the largest frame.
    [Fact]
    public void The_rooms_list_names_the_askers_rooms_and_the_busiest_at_most_max_listed()
    {
        var rooms = Rooms(maxRooms: 4, perClient: 32);
        var members = Enumerable.Range(0, RoomsActor.MaxListed / 16 + 2).Select(_ => CreateTestProbe()).ToArray();
        var n = 0;
        foreach (var member in members)
            for (var k = 0; k < 20; k++) Join(rooms, member, k, $"#r{n++}");
        var busy = CreateTestProbe();
        Join(rooms, busy, 1, "#r5");
        var asker = CreateTestProbe();
        Join(rooms, asker, 1, $"#r{n - 1}");
        rooms.Tell(new RoomsQuery(9, asker.Ref));
        var listed = asker.ExpectMsg<RoomsList>().Rooms;
        Assert.Equal(RoomsActor.MaxListed, listed.Length);
        Assert.Contains(listed, r => r.Name == $"#r{n - 1}"); // its own
        Assert.Contains(listed, r => r.Name == "#r5" && r.Members == 2); // the busiest
        Assert.Equal(listed.Select(r => r.Name).Order(StringComparer.Ordinal), listed.Select(r => r.Name));
    }
}
