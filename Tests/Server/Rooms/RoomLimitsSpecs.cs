using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Rooms;

/// <summary>
/// The node's room limit is everyone's: a room nobody here is in any more gives its place to a new one (the least
/// recently used goes), and one client may be in only so many rooms at once, so neither a guest creating and leaving
/// rooms nor one sitting in them can keep everyone else from opening a room.
/// </summary>
public sealed class RoomLimitsSpecs() : TestKit(ActorTestConfig.Server())
{
    private IActorRef Rooms(int maxRooms, int perClient, int perHost = 1000) =>
        Sys.ActorOf(RoomsActor.Props(new RoomsSettings(History: 50, HistoryBytes: 65536, MaxRooms: maxRooms, PerClient: perClient, PerHost: perHost), TestActor, null));

    private object Join(IActorRef rooms, Akka.TestKit.TestProbe session, long id, string room, string host = "10.0.0.1")
    {
        rooms.Tell(new JoinLocal(id, room, session.Ref, host));
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
        rooms.Tell(new RoomsQuery(2, newbie.Ref));
        Assert.Equal(["#brandnew", "#m0", "#m2", "#m3"], newbie.ExpectMsg<RoomsList>().Rooms.Select(r => r.Name));
    }

    [Fact]
    public void Rooms_with_members_keep_their_places_and_a_new_one_is_refused_with_503()
    {
        var rooms = Rooms(maxRooms: 2, perClient: 32);
        var a = CreateTestProbe();
        Join(rooms, a, 1, "#a");
        Join(rooms, a, 2, "#b");
        var refused = Assert.IsType<RoomRefused>(Join(rooms, CreateTestProbe(), 1, "#c"));
        Assert.Equal(Codes.Unavailable, refused.Code);
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

    // A hostile tester's finding: 8 guests of one host (32 rooms each) held all 256 of a node's rooms, and every other
    // join of a new room, or of an empty one with kept history, was 503 while they stayed.
    [Fact]
    public void One_hosts_clients_alone_hold_at_most_per_host_rooms_and_others_still_open_theirs()
    {
        var rooms = Rooms(maxRooms: 8, perClient: 4, perHost: 3);
        var holders = new[] { CreateTestProbe(), CreateTestProbe() };
        for (var i = 0; i < 3; i++) Assert.IsType<RoomJoined>(Join(rooms, holders[i % 2], i, $"#h{i}", host: "10.6.6.6"));
        var refused = Assert.IsType<RoomRefused>(Join(rooms, holders[1], 3, "#h3", host: "10.6.6.6"));
        Assert.Equal(Codes.RateLimited, refused.Code);
        Assert.Contains("3 rooms", refused.Error);

        // Rooms others are in are no new places: the host's clients still join them, and its own ones too.
        var other = CreateTestProbe();
        Assert.IsType<RoomJoined>(Join(rooms, other, 1, "#shared", host: "10.7.7.7"));
        Assert.IsType<RoomJoined>(Join(rooms, holders[1], 4, "#shared", host: "10.6.6.6"));
        Assert.IsType<RoomJoined>(Join(rooms, holders[1], 5, "#h0", host: "10.6.6.6"));
        // Another host opens rooms of its own.
        Assert.IsType<RoomJoined>(Join(rooms, other, 2, "#o1", host: "10.7.7.7"));
        // Once another host's client is in one of them, it is no longer the host's alone: a place frees up.
        Assert.IsType<RoomJoined>(Join(rooms, other, 3, "#h2", host: "10.7.7.7"));
        Assert.IsType<RoomJoined>(Join(rooms, holders[0], 6, "#h3", host: "10.6.6.6"));
        // Leaving counts too: the host's clients gone from a room, the next one fits.
        rooms.Tell(new LeaveAll(holders[0].Ref));
        Assert.IsType<RoomJoined>(Join(rooms, holders[0], 7, "#h4", host: "10.6.6.6"));
    }
}
