using Akka.Actor;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Rooms;

/// <summary>Routing, ordering, rate limits, flow control and rooms through the real actors (in-memory store).</summary>
public sealed class ChatActorSpecs() : ServerActorsFixture(null)
{
    protected override SessionSettings Settings(SessionSettings hocon) =>
        base.Settings(hocon) with { RatePerSecond = 1000, RateBurst = 50, MaxUnacked = 5, MaxReplayed = 60 };

    private (TestProbe Probe, IActorRef Session) Join(string name)
    {
        var p = CreateTestProbe();
        return (p, RegisterAs(name, p).Session);
    }

    [Fact]
    public void Tell_is_routed_to_the_recipient_and_the_sender_hears_200_after_it_was_accepted()
    {
        var (alice, a) = Join("alice");
        var (bob, _) = Join("bob");
        a.Tell(new Tell(1, "bob", "hi bob"), alice.Ref);
        var m = bob.ExpectMsg<Incoming>();
        Assert.Equal(("alice", "hi bob", true), (m.From, m.Text, m.Direct));
        var r = alice.ExpectMsg<Reply>();
        Assert.Equal((1L, 200, "delivered"), (r.Id, r.Code, r.Value.Text));
    }

    [Fact]
    public void Tell_to_someone_not_online_is_404_and_bad_texts_are_422()
    {
        var (alice, a) = Join("alice");
        a.Tell(new Tell(1, "ghost", "boo"), alice.Ref);
        Assert.Equal(Codes.NotOnline, alice.ExpectMsg<Reply>().Code);
        a.Tell(new Tell(2, "alice", "   "), alice.Ref);
        Assert.Equal(Codes.Invalid, alice.ExpectMsg<Reply>().Code);
        a.Tell(new Tell(3, "alice", new string('é', 2049)), alice.Ref); // 4098 UTF-8 bytes
        Assert.Equal(Codes.Invalid, alice.ExpectMsg<Reply>().Code);
        a.Tell(new Tell(4, "bad name!", "x"), alice.Ref);
        Assert.Equal(Codes.Invalid, alice.ExpectMsg<Reply>().Code);
    }

    [Fact]
    public void A_chat_command_by_a_verb_nobody_registered_is_300_and_one_from_another_sender_is_not_answered()
    {
        var (alice, a) = Join("alice");
        a.Tell(new ChatCommand(1, "frobnicate", ["x"]), alice.Ref);
        var r = alice.ExpectMsg<Reply>();
        Assert.Equal((1L, Codes.NotSupported), (r.Id, r.Code));
        Assert.Contains("frobnicate", r.Error);
        // Without a store, markread is a known verb that says why it cannot be done.
        a.Tell(new ChatCommand(2, "markread", ["bob", "1"]), alice.Ref);
        // (A store-less node is a cluster's node without --db: clusters with one keep history.)
        Assert.Equal("this cluster keeps no history (its nodes run without --db)", alice.ExpectMsg<Reply>().Error);
        // Someone else's message to alice's session is refused as every client message is (401), never run.
        var mallory = CreateTestProbe();
        a.Tell(new ChatCommand(3, "markread", ["bob", "1"]), mallory.Ref);
        Assert.Equal(Codes.Unauthorized, mallory.ExpectMsg<Reply>().Code);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Messages_between_two_clients_arrive_in_the_order_sent()
    {
        var (alice, a) = Join("alice");
        var (bob, b) = Join("bob");
        // In batches within the unacknowledged bound (5), as a client that keeps up.
        for (var batch = 0; batch < 8; batch++)
        {
            for (var i = batch * 5; i < batch * 5 + 5; i++) a.Tell(new Tell(i, "bob", $"m{i}"), alice.Ref);
            for (var i = batch * 5; i < batch * 5 + 5; i++) Assert.Equal($"m{i}", bob.ExpectMsg<Incoming>().Text);
            for (var i = batch * 5; i < batch * 5 + 5; i++) Assert.Equal((i, 200), (alice.ExpectMsg<Reply>().Id, 200));
            b.Tell(new Ack(batch * 5 + 5), bob.Ref);
        }
    }

    [Fact]
    public void Broadcast_goes_to_everyone_but_the_sender()
    {
        var (alice, a) = Join("alice");
        var (bob, _) = Join("bob");
        var (carol, _) = Join("carol");
        a.Tell(new Say(1, null, "hello"), alice.Ref);
        Assert.Equal("hello", bob.ExpectMsg<Incoming>().Text);
        Assert.Equal("hello", carol.ExpectMsg<Incoming>().Text);
        Assert.Equal(2, alice.ExpectMsg<Reply>().Value.Number);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        bob.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Past_the_unacknowledged_bound_messages_are_dropped_and_the_sender_is_told()
    {
        var (alice, a) = Join("alice");
        var (bob, b) = Join("bob");
        for (var i = 0; i < 7; i++) a.Tell(new Tell(i, "bob", $"m{i}"), alice.Ref);
        var codes = Enumerable.Range(0, 7).Select(_ => alice.ExpectMsg<Reply>().Code).ToArray();
        Assert.Equal([200, 200, 200, 200, 200, 429, 429], codes);
        for (var i = 0; i < 5; i++) bob.ExpectMsg<Incoming>();

        // A broadcast to a backlogged client: dropped, and the sender hears which recipient missed it.
        a.Tell(new Say(9, null, "anyone?"), alice.Ref);
        alice.FishForMessage(m => m is Dropped { To: "bob" });

        // Once bob catches up, messages flow again.
        b.Tell(new Ack(5), bob.Ref);
        a.Tell(new Tell(10, "bob", "again"), alice.Ref);
        Assert.Equal("again", bob.ExpectMsg<Incoming>().Text);
    }

    // A hostile tester filled a room with stalled names: each line said there came back as one "dropped" per member,
    // pushed past the speaker's own bound (1 GB of server memory in 10 s from a speaker that read nothing).
    [Fact]
    public void The_drops_of_one_broadcast_come_back_as_one_notice_and_within_the_speakers_bound()
    {
        var (alice, a) = Join("alice");
        var stalled = Enumerable.Range(0, 4).Select(i => Join($"z{i}")).ToArray();
        // Each stalled member takes its 5 and is then behind.
        for (var i = 0; i < 5; i++)
        {
            a.Tell(new Say(i, null, $"fill {i}"), alice.Ref);
            alice.ExpectMsg<Reply>();
        }
        a.Tell(new Say(10, null, "anyone?"), alice.Ref);
        // The first drop is told at once; the others wait until the speaker has taken that notice in.
        var got = new List<object>();
        alice.FishForMessage(m => { got.Add(m); return got.OfType<Dropped>().Any() && got.OfType<Reply>().Any(); });
        Assert.Equal(0, Assert.Single(got.OfType<Dropped>()).Others);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var received = 1;
        Assert.Equal(3, AckedNotices(3));

        // Twenty more lines, nobody catching up: 80 drops, told as they are taken in, none before.
        for (var i = 0; i < 20; i++) a.Tell(new Say(20 + i, null, $"more {i}"), alice.Ref);
        for (var i = 0; i < 20; i++) alice.FishForMessage<Reply>(r => r.Id == 20 + i);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(80, AckedNotices(80));
        // What each has queued: its 5 were pushed before its first drop, which alice has heard. (Read within 50 ms of the
        // clock before, a busy CI box once left 4 of them unread.)
        Assert.All(stalled, z => Assert.Equal(5, Queued(z.Probe).Count(m => m is Incoming)));

        static List<object> Queued(TestProbe probe)
        {
            var queued = new List<object>();
            while (probe.HasMessages) queued.Add(probe.ReceiveOne(TimeSpan.Zero)!);
            return queued;
        }

        // Acknowledges every notice so far and sums what the next ones tell, until they have told of `drops`.
        int AckedNotices(int drops)
        {
            var told = 0;
            while (told < drops)
            {
                a.Tell(new Ack(received), alice.Ref);
                var d = alice.FishForMessage<Dropped>(_ => true);
                received++;
                told += 1 + d.Others;
            }
            return told;
        }
    }

    // The same for a room's replay: joining and leaving in a loop without taking anything in queues a bounded amount
    // (its own bound, 60 here: enough for a client rejoining all its rooms at once), not a replay per join.
    [Fact]
    public void A_rooms_replay_stays_within_the_joining_clients_bound()
    {
        var (alice, a) = Join("alice");
        a.Tell(new JoinRoom(1, "#games"), alice.Ref);
        alice.ExpectMsg<Reply>();
        for (var i = 0; i < 25; i++)
        {
            a.Tell(new Say(10 + i, "#games", $"r{i}"), alice.Ref);
            alice.ExpectMsg<Reply>();
        }
        var (bob, b) = Join("bob");
        var replayed = 0;
        bool Until(object m, long id)
        {
            if (m is Incoming) replayed++;
            return m is Reply r && r.Id == id;
        }
        for (var round = 0; round < 4; round++)
        {
            b.Tell(new JoinRoom(100 + round, "#games"), bob.Ref);
            bob.FishForMessage(m => Until(m, 100 + round), TimeSpan.FromSeconds(3));
            b.Tell(new LeaveRoom(200 + round, "#games"), bob.Ref);
            bob.FishForMessage(m => Until(m, 200 + round), TimeSpan.FromSeconds(3));
        }
        // 25 lines twice, then 10 to reach the bound of 60, then none.
        Assert.Equal(60, replayed);
    }

    [Fact]
    public void Requests_past_the_burst_are_answered_429_without_doing_the_work()
    {
        var (alice, a) = Join("alice");
        // The clock stands still: the burst of 50 is all there is.
        for (var i = 0; i < 80; i++) a.Tell(new Request(i, "even", ["2"]), alice.Ref);
        var replies = Enumerable.Range(0, 80).Select(_ => alice.ExpectMsg<Reply>()).ToArray();
        Assert.Equal(Enumerable.Repeat(Codes.Ok, 50).Concat(Enumerable.Repeat(Codes.RateLimited, 30)), replies.Select(r => r.Code));
        Assert.All(replies.Where(r => r.Code == Codes.RateLimited), r => Assert.Equal(ValueKind.None, r.Value.Kind));
        // Every reply is numbered, 429s included.
        Assert.Equal(Enumerable.Range(2, 80).Select(i => (long)i), replies.Select(r => r.ClientSeq));
    }

    [Fact]
    public void A_flooding_client_gets_at_most_a_burst_of_429s_then_silence_until_it_slows_down()
    {
        var (alice, a) = Join("alice");
        // The clock stands still during the flood: 50 served, a burst of 50 answered 429, the other 300 dropped.
        for (var i = 0; i < 400; i++) a.Tell(new Request(i, "even", ["2"]), alice.Ref);
        // A stranger's message is always answered (401): once it is, the session has taken in the whole flood.
        var barrier = CreateTestProbe();
        a.Tell(new Who(0), barrier.Ref);
        Assert.Equal(Codes.Unauthorized, barrier.ExpectMsg<Reply>().Code);
        Clock.Advance(TimeSpan.FromMilliseconds(100)); // slowing down earns 100 tokens at 1000/s
        a.Tell(new Request(999, "even", ["3"]), alice.Ref);
        // Replies come in request order, so everything answered before 999 is what the flood got.
        var replies = new List<Reply>();
        while (replies.LastOrDefault()?.Id != 999) replies.Add(alice.ExpectMsg<Reply>());
        Assert.Equal(50, replies.Count(r => r.Code == Codes.Ok && r.Id != 999));
        Assert.Equal(50, replies.Count(r => r.Code == Codes.RateLimited));
        Assert.Equal(Codes.Ok, replies[^1].Code);
        Assert.Equal(101, replies.Count);
    }

    [Fact]
    public void Joining_a_room_replays_its_last_messages_before_the_reply()
    {
        var (alice, a) = Join("alice");
        a.Tell(new JoinRoom(1, "games"), alice.Ref);
        Assert.Equal("joined #games", alice.ExpectMsg<Reply>().Value.Text);
        for (var i = 0; i < 3; i++)
        {
            a.Tell(new Say(10 + i, "#games", $"r{i}"), alice.Ref);
            alice.ExpectMsg<Reply>();
        }
        var (bob, b) = Join("bob");
        b.Tell(new JoinRoom(2, "#games"), bob.Ref);
        for (var i = 0; i < 3; i++)
        {
            var m = bob.ExpectMsg<Incoming>();
            Assert.Equal(($"r{i}", "#games", true), (m.Text, m.Room, m.Replay));
        }
        Assert.Equal("joined #games", bob.ExpectMsg<Reply>().Value.Text);
        b.Tell(new ListRooms(3), bob.Ref);
        var rooms = bob.ExpectMsg<RoomsReply>();
        Assert.Equal([new RoomEntry("#games", 2, 3)], rooms.Rooms);
    }

    // A script pipelining commands (--pipeline) means them in the order written: the room's answer to a join or leave
    // comes from another actor, and the next command waits for it.
    [Fact]
    public void Commands_sent_right_behind_a_join_or_a_leave_see_its_outcome()
    {
        var (alice, a) = Join("alice");
        a.Tell(new JoinRoom(1, "games"), alice.Ref);
        a.Tell(new Say(2, "#games", "hello"), alice.Ref);
        a.Tell(new LeaveRoom(3, "games"), alice.Ref);
        a.Tell(new Say(4, "#games", "still here?"), alice.Ref);
        // Answered in any order (a room message's answer comes back through the registry); the client orders them.
        var replies = Enumerable.Range(0, 4).Select(_ => alice.ExpectMsg<Reply>()).OrderBy(r => r.Id).ToArray();
        Assert.Equal([(1L, 200), (2L, 200), (3L, 200), (4L, Codes.Invalid)], replies.Select(r => (r.Id, r.Code)));
        Assert.Equal("sent to #games", replies[1].Value.Text);
        Assert.Contains("join #games first", replies[3].Error);
    }

    [Fact]
    public void Room_history_keeps_only_the_last_fifty_messages()
    {
        var (alice, a) = Join("alice");
        a.Tell(new JoinRoom(1, "#big"), alice.Ref);
        alice.ExpectMsg<Reply>();
        for (var i = 0; i < 60; i++)
        {
            // This fixture's burst is small: wait out a 429 (move the clock) rather than lose a message.
            for (var code = 0; code != Codes.Ok; Clock.Advance(code == Codes.RateLimited ? TimeSpan.FromMilliseconds(5) : TimeSpan.Zero))
            {
                a.Tell(new Say(10 + i, "#big", $"r{i}"), alice.Ref);
                code = alice.ExpectMsg<Reply>().Code;
            }
        }
        var (bob, b) = Join("bob");
        b.Tell(new JoinRoom(2, "#big"), bob.Ref);
        var replay = Enumerable.Range(0, 50).Select(_ => bob.ExpectMsg<Incoming>().Text).ToArray();
        Assert.Equal(Enumerable.Range(10, 50).Select(i => $"r{i}"), replay);
    }

    [Fact]
    public void A_client_cannot_speak_through_another_clients_session()
    {
        var (alice, _) = Join("alice");
        var (_, b) = Join("bob");
        var mallory = CreateTestProbe();
        b.Tell(new Tell(2, "alice", "as bob"), mallory.Ref);
        b.Tell(new Say(3, null, "as bob"), mallory.Ref);
        Assert.Equal(Codes.Unauthorized, mallory.ExpectMsg<Reply>().Code);
        Assert.Equal(Codes.Unauthorized, mallory.ExpectMsg<Reply>().Code);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Node_traffic_is_taken_only_through_the_door_or_from_the_registry()
    {
        var (alice, _) = Join("alice");
        var stranger = CreateTestProbe();
        // Straight to the gateway and the rooms: refused, whoever the stranger claims to be.
        Gateway.Tell(new Deliver(1, "mallory", "alice", "forged", stranger.Ref), stranger.Ref);
        Gateway.Tell(new Fanout("mallory", null, "forged", stranger.Ref), stranger.Ref);
        Rooms.Tell(new Fanout("mallory", "#games", "forged", stranger.Ref), stranger.Ref);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        stranger.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        // Through the door (the path only the segment's nodes know): delivered, and the sender's session hears so.
        Sys.ActorSelection($"/user/gateway/{DoorName}").Tell(new Deliver(2, "bob", "alice", "via the door", stranger.Ref));
        Assert.Equal(("bob", "via the door"), alice.ExpectMsg<Incoming>() is var m ? (m.From, m.Text) : default);
        Assert.Equal((2L, Codes.Ok), stranger.ExpectMsg<Delivered>() is var d ? (d.Id, d.Code) : default);
    }

    [Fact]
    public void Presence_comes_as_one_batch_per_look_with_a_few_names_and_counts_for_the_rest()
    {
        var (watcher, w) = Join("watcher");
        Look(); // the first look learns who is there
        for (var i = 0; i < 20; i++) Join($"c{i}");
        Look();
        var batch = watcher.ExpectMsg<PresenceBatch>();
        Assert.Equal((16, 0), (batch.Events.Length, batch.MoreLeft)); // a few names, the rest counted
        Assert.All(batch.Events, e => Assert.True(e.Joined));
        // A name is announced once its session has started, which may come just after that look (a busy box's CI run
        // saw 16 + 3): the next look tells the rest, and no one is told twice.
        var joined = batch.Events.Length + batch.MoreJoined;
        while (joined < 20)
        {
            Look();
            var more = watcher.ExpectMsg<PresenceBatch>();
            joined += more.Events.Length + more.MoreJoined;
        }
        Assert.Equal(20, joined);

        w.Tell(new SetPresence(1, false), watcher.Ref);
        watcher.FishForMessage(m => m is Reply { Id: 1 });
        Join("late");
        Look();
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Presence_tells_a_new_client_only_of_those_who_registered_after_it()
    {
        Join("watcher");
        Look(); // the first look learns who is there
        // Three registrations within one look: "early" was online before "late" came, so it is no news to it.
        Join("early");
        var (late, _) = Join("late");
        Join("later");
        Look();
        Assert.Equal(["later"], late.ExpectMsg<PresenceBatch>().Events.Select(e => e.Name));
    }

    [Fact]
    public void Who_lists_everyone_online_with_the_node()
    {
        var (alice, a) = Join("alice");
        Join("bob");
        a.Tell(new Who(1), alice.Ref);
        var w = alice.ExpectMsg<WhoReply>();
        Assert.Equal(["alice", "bob"], w.Clients.Select(c => c.Name));
        Assert.All(w.Clients, c => Assert.Equal("test:1", c.Node));
        Assert.Equal(2, w.ClientSeq);
    }
}
