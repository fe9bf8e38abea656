using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// What arrived while a reserved name was away (issue 21) at its login: pushed before the answer to anything its client
/// sent meanwhile (a scripted client may send a request at once and exit on its answer), and forgotten by the inbox only
/// once the client has acknowledged it, not when pushed (at least once). The store is a probe that answers when the spec
/// says, and is waited for a minute here, so nothing below is released by a timeout.
/// </summary>
public sealed class AwayFirstSpecs : ProbeStoreFixture
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly Conversation WithBob = Conversation.Direct("alice", "bob");

    protected override HistoryDesk? History()
    {
        var desk = base.History()!;
        return desk with { Settings = desk.Settings with { Timeout = TimeSpan.FromMinutes(1) } };
    }

    private static AwayReport FromBob(long upTo, int more = 0) =>
        new([new AwayLine(WithBob, new ChatLine(1, "bob", "are you there?", 1_000))], [], upTo, More: more);

    private (TestProbe Alice, Akka.Actor.IActorRef Session) AliceLogsIn()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice" && !c.Next, Wait);
        return (alice, session);
    }

    // A client drops what is pushed to it before its Registered (it does not know its session yet): the store is asked
    // only once the gateway has sent it, so nothing it answers can overtake it.
    [Fact]
    public void The_store_is_asked_for_what_arrived_while_away_only_once_the_client_was_sent_its_registration()
    {
        var alice = CreateTestProbe();
        Gateway.Tell(new Register("alice"), alice.Ref);
        StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice", Wait);
        Assert.True(alice.HasMessages);
        alice.ExpectMsg<Registered>();
    }

    // The session exists (and can be handed a DM by any other session) a moment before the gateway sends Registered;
    // here the spec is its parent and decides when that happens.
    [Fact]
    public void A_message_handed_to_a_new_session_reaches_its_client_only_after_the_registration()
    {
        var alice = CreateTestProbe();
        var claim = AccountTestConfig.Claim("alice", alice.Ref);
        var session = ChildActorOf(SessionActor.Props("alice", alice.Ref, claim.Claim, claim.Counter, Services));
        var bob = CreateTestProbe();
        session.Tell(new Handed(new Deliver(1, "bob", "alice", "quick!", bob.Ref)), bob.Ref);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        session.Tell(RegisteredSent.Instance, TestActor);
        StoreProbe.ExpectMsg<CollectAway>(Wait);
        StoreProbe.Reply(new AwayReport([], [], 0));
        Assert.Equal(("bob", "quick!"), alice.FishForMessage<Incoming>(_ => true, Wait) is var m ? (m.From, m.Text) : default);
        Assert.Equal(Codes.Ok, bob.ExpectMsg<Delivered>(Wait).Code);
    }

    [Fact]
    public void What_arrived_while_away_comes_before_the_answer_to_a_request_sent_before_the_store_answered()
    {
        var (alice, a) = AliceLogsIn();
        a.Tell(new Request(2, "add", ["1", "1"]), alice.Ref);
        a.Tell(new ChatCommand(3, "who", []), alice.Ref);
        StoreProbe.Reply(FromBob(upTo: 7));

        Assert.Equal(1, alice.ExpectMsg<AwayNotice>(Wait).Arrived);
        Assert.Equal(("bob", "are you there?", true), alice.ExpectMsg<Incoming>(Wait) is var m ? (m.From, m.Text, m.Offline) : default);
        var reply = alice.ExpectMsg<Reply>(Wait);
        Assert.Equal((2L, Codes.Ok), (reply.Id, reply.Code));
    }

    [Fact]
    public void The_inbox_forgets_what_arrived_while_away_once_the_client_acknowledged_it_not_when_it_was_pushed()
    {
        var (alice, a) = AliceLogsIn();
        StoreProbe.Reply(FromBob(upTo: 7));
        alice.ExpectMsg<AwayNotice>(Wait);
        alice.ExpectMsg<Incoming>(Wait);
        StoreProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        a.Tell(new Ack(1), alice.Ref); // the notice, not the message
        StoreProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        a.Tell(new Ack(2), alice.Ref);
        var delivered = StoreProbe.ExpectMsg<AwayDelivered>(Wait);
        Assert.Equal(("alice", 7L), (delivered.Owner, delivered.UpTo));
    }

    [Fact]
    public void The_next_page_is_asked_for_once_the_client_acknowledged_the_one_before()
    {
        var (alice, a) = AliceLogsIn();
        StoreProbe.Reply(FromBob(upTo: 7, more: 3));
        alice.ExpectMsg<AwayNotice>(Wait);
        alice.ExpectMsg<Incoming>(Wait);
        StoreProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        a.Tell(new Ack(2), alice.Ref);
        Assert.Equal(7L, StoreProbe.ExpectMsg<AwayDelivered>(Wait).UpTo);
        Assert.True(StoreProbe.ExpectMsg<CollectAway>(Wait).Next);
    }

    // The client hears of what arrived while away once: the first page's notice says what the later pages will bring,
    // not what the inbox held (retention may have trimmed some of those).
    [Fact]
    public void The_away_notice_counts_the_later_pages_that_will_arrive_and_those_retention_trimmed()
    {
        var (alice, _) = AliceLogsIn();
        StoreProbe.Reply(FromBob(upTo: 7, more: 100) with { Later = 32, Trimmed = 68 });
        var notice = alice.ExpectMsg<AwayNotice>(Wait);
        Assert.Equal((33L, 68L), (notice.Arrived, notice.Trimmed));
    }

    // Held messages are the peer's: past the bound they are handled, whatever the store does.
    [Fact]
    public void A_client_sending_more_than_the_session_holds_is_answered_before_the_store_answers()
    {
        var (alice, a) = AliceLogsIn();
        for (var id = 1; id <= SessionActor.MaxHeld; id++) a.Tell(new Request(id, "add", ["1", "1"]), alice.Ref);
        Assert.Equal(1L, alice.ExpectMsg<Reply>(Wait).Id);
    }
}
