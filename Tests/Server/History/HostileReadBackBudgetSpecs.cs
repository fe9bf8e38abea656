using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// Hostile tester hA (2026-12-07): the store holds more conversations than memory (kept-rooms + kept-guest-conversations
/// against max-live), so guest names of one peer joining and leaving many full rooms made every join a read-back of a
/// whole conversation (~3 ms of a core, against 0.02 ms for a plain request). max-reading = 1 took them one at a time,
/// in turn by requester, but a flood of 64 names kept that one read-back going all the time and slowed everyone at its
/// start (HostileJoinReadBackSpecs, by hand). Now the read-backs one host causes are a token bucket
/// (history.read-backs-per-host-*): past it the request is answered 429 with when to come back, and nothing is read back
/// or let go for it. The host is what the session stamps (the transport's), and a conversation already in memory costs
/// nothing. Time is the spec's clock: counts, not durations.
/// </summary>
public sealed class HostileReadBackBudgetSpecs() : TestKit(ConfigurationFactory.ParseString(
    "switchboard.history { max-live = 100, read-backs-per-host-per-second = 1, read-backs-per-host-burst = 4 }")
    .WithFallback(AccountTestConfig.TestJournal()))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const string Mallory = "203.0.113.7", Bob = "198.51.100.2";
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-12-07T12:00:00Z"));
    private readonly Conversation[] _rooms = [.. Enumerable.Range(0, 16).Select(i => Conversation.Room($"#h{i}"))];
    private static readonly Conversation Lobby = Conversation.Room("#lobby");

    private HistorySettings Settings => HistorySettings.Create(Sys.Settings.Config);

    // Every room written once, then a fresh history actor: nothing is in memory, each conversation asked for is read back.
    private IActorRef Cold()
    {
        var first = Sys.ActorOf(HistoryActor.Props(Settings, _clock));
        foreach (var c in _rooms.Append(Lobby))
        {
            first.Tell(new Post(c, 1, "someone", "kept"));
            ExpectMsg<Posted>(Wait);
        }
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Wait);
        return Sys.ActorOf(HistoryActor.Props(Settings, _clock));
    }

    [Fact]
    public void A_host_flooding_read_backs_gets_its_burst_then_429s_with_a_wait_while_another_host_is_served()
    {
        var history = Cold();
        // Eight names of one host (one session each) ask two cold rooms each: a join's replay, a history query.
        var names = Enumerable.Range(0, 8).Select(_ => CreateTestProbe()).ToArray();
        for (var i = 0; i < 16; i++)
            history.Tell(new ReadHistory(_rooms[i], i, HistoryAnchor.Latest, 0, 10, Host: Mallory), names[i % names.Length].Ref);
        var answers = names.SelectMany(n => n.ReceiveN(2, Wait)).ToList();
        Assert.Equal(4, answers.OfType<HistoryPage>().Count());
        var refused = answers.OfType<HistoryFailed>().ToList();
        Assert.Equal(12, refused.Count);
        Assert.All(refused, f =>
        {
            Assert.Equal(Codes.RateLimited, f.Code);
            Assert.Equal(TimeSpan.FromSeconds(1), f.RetryAfter); // one token a second, none left
        });
        // The first four asked are the ones read back (in the order they came).
        Assert.Equal([0L, 1L, 2L, 3L], answers.OfType<HistoryPage>().Select(p => p.Ticket).Order());

        // Another host is served, and what is in memory costs the flood nothing.
        var bob = CreateTestProbe();
        history.Tell(new ReadHistory(Lobby, 99, HistoryAnchor.Latest, 0, 10, Host: Bob), bob.Ref);
        Assert.Equal("kept", bob.ExpectMsg<HistoryPage>(Wait).Lines.Single().Text);
        history.Tell(new ReadHistory(_rooms[0], 100, HistoryAnchor.Latest, 0, 10, Host: Mallory), names[0].Ref);
        Assert.Equal(100, names[0].ExpectMsg<HistoryPage>(Wait).Ticket);

        // A message or a read marker naming a cold conversation is a read-back too.
        history.Tell(new Post(_rooms[8], 101, "m0", "hi", Host: Mallory), names[0].Ref);
        Assert.Equal(Codes.RateLimited, names[0].ExpectMsg<HistoryFailed>(Wait).Code);
        history.Tell(new MarkReadUpTo("m1", 102, _rooms[9], 1, Host: Mallory), names[1].Ref);
        Assert.Equal(Codes.RateLimited, names[1].ExpectMsg<HistoryFailed>(Wait).Code);

        // A second later the host has one more: the wait it was told was honest.
        _clock.Advance(TimeSpan.FromSeconds(1));
        history.Tell(new ReadHistory(_rooms[10], 103, HistoryAnchor.Latest, 0, 10, Host: Mallory), names[2].Ref);
        Assert.Equal(103, names[2].ExpectMsg<HistoryPage>(Wait).Ticket);
        history.Tell(new ReadHistory(_rooms[11], 104, HistoryAnchor.Latest, 0, 10, Host: Mallory), names[3].Ref);
        Assert.Equal(Codes.RateLimited, names[3].ExpectMsg<HistoryFailed>(Wait).Code);
    }

    // A reserved name's `rooms` and `who` count what is unread in each conversation it has a marker in (up to 32 a list,
    // 4 lists at once): each count of one not in memory was a read-back too, and charged nothing. Ten reserved names
    // of one host, each in 32 full rooms with 32 marked DM conversations, ask for more than max-live holds, in a loop.
    [Fact]
    public void Unread_counts_past_the_hosts_budget_are_not_counted_instead_of_read_back()
    {
        var history = Cold();
        var alice = CreateTestProbe();
        for (var i = 0; i < 6; i++) history.Tell(new Fetch(_rooms[i], 7, [], Reader: "alice", ReadUpTo: 0, Host: Mallory), alice.Ref);
        var answers = alice.ReceiveN(6, Wait);
        Assert.Equal(4, answers.OfType<Fetched>().Count());
        Assert.Equal([_rooms[4], _rooms[5]], answers.OfType<NotCounted>().Select(n => n.Conversation).OrderBy(c => c.Key));
    }

    // A room message refused for its host's read-backs is not kept, so it is not a room written either: counted so, a
    // flood's refused messages to rooms not in memory would have pushed other rooms' whole history out of the store
    // (kept-rooms), which is what the budget refuses them to spare.
    [Fact]
    public void A_room_message_refused_for_its_hosts_read_backs_drops_no_other_rooms_history()
    {
        Cold();
        var history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(ConfigurationFactory.ParseString(
            "switchboard.history { kept-rooms = 3, read-backs-per-host-burst = 1 }").WithFallback(Sys.Settings.Config)), _clock));
        var mallory = CreateTestProbe();
        var bob = CreateTestProbe();
        history.Tell(new Post(_rooms[0], 1, "m0", "mine", Host: Mallory), mallory.Ref);
        mallory.ExpectMsg<Posted>(Wait);
        foreach (var c in new[] { Lobby, _rooms[1] })
        {
            history.Tell(new Post(c, 2, "bob", "his"), bob.Ref); // charged nothing: no host
            bob.ExpectMsg<Posted>(Wait);
        }
        // The store holds three rooms now, the bound; mallory's host has no read-back left.
        history.Tell(new Post(_rooms[2], 3, "m0", "more", Host: Mallory), mallory.Ref);
        Assert.Equal(Codes.RateLimited, mallory.ExpectMsg<HistoryFailed>(Wait).Code);
        foreach (var c in new[] { _rooms[0], Lobby, _rooms[1] })
        {
            history.Tell(new ReadHistory(c, 4, HistoryAnchor.Latest, 0, 10));
            Assert.Equal(2, ExpectMsg<HistoryPage>(Wait).Lines.Length);
        }
    }

    [Fact]
    public void Requests_with_no_host_are_not_charged()
    {
        // A request that is no client's (an inbox gathering, a spec's probe): never refused.
        var history = Cold();
        for (var i = 0; i < 8; i++)
        {
            history.Tell(new ReadHistory(_rooms[i], i, HistoryAnchor.Latest, 0, 10));
            ExpectMsg<HistoryPage>(Wait);
        }
    }
}
