using Akka.Actor;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// Unread counts in <c>rooms</c> and <c>who</c> (issue 21): real gateway, sessions, rooms, registry and history on the
/// TestKit journal. alice is reserved; bob and carol are guests. A count is the conversation's messages after the
/// reader's marker; without a marker, or for a guest, the entry says nothing.
/// </summary>
public sealed class UnreadSpecs() : ServerActorsFixture(UnreadHocon)
{
    private static readonly string UnreadHocon = AccountTestConfig.TestJournal().ToString();
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ReservedNames _reserved = new();
    private IActorRef _history = ActorRefs.Nobody;

    protected override HistoryDesk? History()
    {
        _reserved.Reserved("alice", 0);
        _history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(Sys.Settings.Config), TimeProvider.System), "history");
        return new HistoryDesk(_history, _reserved, HistorySettings.Create(Sys.Settings.Config));
    }

    private (TestProbe Probe, IActorRef Session) Online(string name)
    {
        var p = CreateTestProbe();
        return (p, RegisterAs(name, p).Session);
    }

    private static T Answer<T>(TestProbe probe, long id) where T : IReply =>
        probe.FishForMessage<T>(r => r.Id == id, Wait);

    private static void Ok(TestProbe probe, long id) => Assert.Equal(Codes.Ok, Answer<Reply>(probe, id).Code);

    [Fact]
    public void A_reserved_members_rooms_count_what_came_after_her_marker_and_say_nothing_where_she_has_none()
    {
        var (alice, a) = Online("alice");
        var (bob, b) = Online("bob");
        foreach (var (room, id) in new[] { ("#games", 1L), ("#quiet", 2L) })
        {
            a.Tell(new JoinRoom(id, room), alice.Ref);
            Ok(alice, id);
        }
        b.Tell(new JoinRoom(1, "#games"), bob.Ref);
        Ok(bob, 1);
        b.Tell(new JoinRoom(2, "#elsewhere"), bob.Ref);
        Ok(bob, 2);
        for (var i = 0; i < 4; i++)
        {
            b.Tell(new Say(10 + i, "#games", $"move {i}"), bob.Ref);
            Ok(bob, 10 + i);
        }
        a.Tell(new ChatCommand(3, "markread", ["#games", "1"]), alice.Ref);
        Assert.Equal("read up to 1", Answer<Reply>(alice, 3).Value.Text);

        a.Tell(new ListRooms(4), alice.Ref);
        var rooms = Answer<RoomsReply>(alice, 4).Rooms.ToDictionary(r => r.Name);
        Assert.Equal(3L, rooms["#games"].Unread);
        Assert.Null(rooms["#quiet"].Unread); // hers, never marked
        Assert.Null(rooms["#elsewhere"].Unread); // not hers
        Assert.Equal(4, rooms["#games"].History);

        // The marker moves forward: fewer unread; a guest's list has no counts at all.
        a.Tell(new ChatCommand(5, "markread", ["#games", "4"]), alice.Ref);
        Ok(alice, 5);
        a.Tell(new ListRooms(6), alice.Ref);
        Assert.Equal(0L, Answer<RoomsReply>(alice, 6).Rooms.Single(r => r.Name == "#games").Unread);
        b.Tell(new ListRooms(20), bob.Ref);
        Assert.All(Answer<RoomsReply>(bob, 20).Rooms, r => Assert.Null(r.Unread));
    }

    // A marker in a room one left counted that room's new messages in the away line at every login (a retest's finding).
    [Fact]
    public void A_reserved_member_leaving_a_room_forgets_her_marker_there_and_a_guest_leaving_changes_nothing()
    {
        var (alice, a) = Online("alice");
        var (bob, b) = Online("bob");
        foreach (var (session, probe) in new[] { (a, alice), (b, bob) })
        {
            session.Tell(new JoinRoom(1, "#games"), probe.Ref);
            Ok(probe, 1);
            session.Tell(new JoinRoom(2, "#quiet"), probe.Ref);
            Ok(probe, 2);
        }
        b.Tell(new Say(3, "#games", "move"), bob.Ref);
        Ok(bob, 3);
        b.Tell(new Say(4, "#quiet", "psst"), bob.Ref);
        Ok(bob, 4);
        a.Tell(new ChatCommand(5, "markread", ["#games", "1"]), alice.Ref);
        Ok(alice, 5);
        a.Tell(new ChatCommand(6, "markread", ["#quiet", "1"]), alice.Ref);
        Ok(alice, 6);

        a.Tell(new LeaveRoom(7, "#games"), alice.Ref);
        Ok(alice, 7);
        b.Tell(new LeaveRoom(8, "#quiet"), bob.Ref);
        Ok(bob, 8);
        var games = Conversation.Room("#games");
        var quiet = Conversation.Room("#quiet");
        AwaitAssert(() =>
        {
            _history.Tell(new ReadMarkers("alice", 1, [games, quiet]), TestActor);
            Assert.Equal([(quiet, 1L)], ExpectMsg<MarkersRead>(Wait).Markers);
        }, Wait);
    }

    [Fact]
    public void A_reserved_names_who_counts_unread_direct_messages_per_person_where_she_has_a_marker()
    {
        var (alice, a) = Online("alice");
        var (bob, b) = Online("bob");
        var (carol, c) = Online("carol");
        for (var i = 0; i < 3; i++)
        {
            b.Tell(new Tell(10 + i, "alice", $"psst {i}"), bob.Ref);
            Ok(bob, 10 + i);
        }
        c.Tell(new Tell(10, "alice", "hello"), carol.Ref);
        Ok(carol, 10);
        a.Tell(new ChatCommand(1, "markread", ["bob", "1"]), alice.Ref);
        Ok(alice, 1);

        a.Tell(new Who(2), alice.Ref);
        var who = Answer<WhoReply>(alice, 2);
        Assert.Equal(["alice", "bob", "carol"], who.Clients.Select(e => e.Name));
        var byName = who.Clients.ToDictionary(e => e.Name);
        Assert.Equal(2L, byName["bob"].Unread);
        Assert.Null(byName["carol"].Unread); // never marked
        Assert.Null(byName["alice"].Unread);
        // Counted and numbered like every reply.
        Assert.Equal(Codes.Ok, who.Code);
        Assert.True(who.ClientSeq > 1);

        b.Tell(new Who(20), bob.Ref);
        Assert.All(Answer<WhoReply>(bob, 20).Clients, e => Assert.Null(e.Unread));
    }
}

/// <summary>What a reserved name's lists wait for, and for how long: a store that does not answer costs the counts,
/// never the list; a burst of lists waits for at most <see cref="SessionUnread.MaxCounting"/> counts at once.</summary>
public sealed class UnreadBoundSpecs : ProbeStoreFixture
{
    [Fact]
    public void Lists_go_out_without_counts_when_the_store_is_silent_and_whos_sent_meanwhile_wait_for_that_list()
    {
        var alice = CreateTestProbe();
        var a = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(_ => true);
        StoreProbe.Reply(new AwayReport([], [], 0)); // else it is asked again (AwayRetrySpecs)
        var burst = SessionUnread.MaxCounting + 2;
        for (var id = 1; id <= burst; id++) a.Tell(new Who(id), alice.Ref);
        // One who at the registry at a time (WhoFloodSpecs): the first asks the inbox, the others wait for its list.
        Assert.Equal("alice", StoreProbe.ExpectMsg<ReadMarkers>().Owner);
        // The silent store's time runs out: that list goes out, complete but without counts, to every who waiting.
        var lists = Enumerable.Range(0, burst).Select(_ => alice.ExpectMsg<WhoReply>(TimeSpan.FromSeconds(10))).ToArray();
        Assert.Equal(Enumerable.Range(1, burst).Select(i => (long)i), lists.Select(r => r.Id).Order());
        Assert.All(lists, r => Assert.Equal((Codes.Ok, "alice", (long?)null), (r.Code, r.Clients.Single().Name, r.Clients.Single().Unread)));
        StoreProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_list_counts_only_the_conversations_whose_markers_moved_last()
    {
        var alice = CreateTestProbe();
        var a = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(_ => true);
        StoreProbe.Reply(new AwayReport([], [], 0)); // else it is asked again (AwayRetrySpecs)
        a.Tell(new Who(1), alice.Ref);
        var asked = StoreProbe.ExpectMsg<ReadMarkers>();
        var marked = Enumerable.Range(1, SessionUnread.MaxCounted + 8).Select(i => (Conversation.Direct("alice", $"guest{i}"), 1L)).ToArray();
        StoreProbe.Reply(new MarkersRead(asked.Ticket, marked));
        var fetched = Enumerable.Range(0, SessionUnread.MaxCounted).Select(_ => StoreProbe.ExpectMsg<Fetch>().Conversation).ToArray();
        Assert.Equal(marked[^SessionUnread.MaxCounted..].Select(m => m.Item1), fetched);
        StoreProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

}
