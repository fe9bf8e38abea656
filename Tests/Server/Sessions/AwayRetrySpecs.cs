using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// What arrived while a reserved name was away is asked for at login; a store (or, in a cluster, a conversation's node)
/// that did not answer in time was never asked again, and the user heard nothing until the next login (tester hE). The
/// session asks again, waiting longer each time, and past the last ask tells its client once that it comes at the next
/// login; whatever answers, a page is pushed once (a late answer to an earlier ask carries the same page). The store is
/// a probe waited for 300 ms, so the asks here are 300, 600 and 900 ms apart.
/// </summary>
public sealed class AwayRetrySpecs : ProbeStoreFixture
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly Conversation WithBob = Conversation.Direct("alice", "bob");

    private static AwayReport FromBob(long ticket) =>
        new([new AwayLine(WithBob, new ChatLine(1, "bob", "are you there?", 1_000))], [], 7, Ticket: ticket);

    private (TestProbe Alice, Akka.Actor.IActorRef Session, CollectAway First) AliceLogsIn()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        return (alice, session, StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice" && !c.Next, Wait));
    }

    [Fact]
    public void A_silent_store_is_asked_again_and_a_late_answer_to_the_first_ask_is_pushed_once()
    {
        var (alice, session, first) = AliceLogsIn();
        var again = StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice", Wait);
        Assert.NotEqual(first.Ticket, again.Ticket);

        StoreProbe.Send(session, FromBob(first.Ticket)); // late, after the second ask went out
        StoreProbe.Send(session, FromBob(again.Ticket)); // the same page, again
        Assert.Equal(1, alice.FishForMessage<AwayNotice>(_ => true, Wait).Arrived);
        Assert.Equal("are you there?", alice.ExpectMsg<Incoming>(Wait).Text);

        session.Tell(new Ack(alice.ReceiveWhile(TimeSpan.Zero, m => m).Count + 2), alice.Ref);
        Assert.Equal(7, StoreProbe.FishForMessage<AwayDelivered>(_ => true, Wait).UpTo);
        session.Tell(new Request(2, "add", ["1", "1"]), alice.Ref);
        Assert.IsType<Reply>(alice.FishForMessage(m => m is Reply or Incoming or AwayNotice, Wait));
    }

    [Fact]
    public void A_store_that_never_answers_is_asked_three_times_then_the_client_hears_it_once()
    {
        var (alice, session, first) = AliceLogsIn();
        var tickets = new List<long> { first.Ticket };
        for (var i = 1; i < 3; i++) tickets.Add(StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice" && !c.Next, Wait).Ticket);
        Assert.Equal(3, tickets.Distinct().Count());

        var notice = alice.FishForMessage<AwayNotice>(_ => true, Wait);
        Assert.True(notice.Unfetched);
        Assert.Equal(0, notice.Arrived);
        Assert.DoesNotContain(StoreProbe.ReceiveWhile(TimeSpan.Zero, m => m), m => m is CollectAway);

        // An answer after the client was told is not pushed: the inbox keeps it for the next login.
        StoreProbe.Send(session, FromBob(tickets[0]));
        session.Tell(new Request(2, "add", ["1", "1"]), alice.Ref);
        Assert.IsType<Reply>(alice.FishForMessage(m => m is Reply or Incoming or AwayNotice, Wait));
    }
    [Fact]
    public void A_DM_held_while_the_first_page_is_still_asked_for_is_collected_after_that_page_not_over_it()
    {
        var (alice, session, first) = AliceLogsIn();
        // The login hold ends after one timeout while the first page is still asked for: alice's request is answered.
        session.Tell(new Request(2, "add", ["1", "1"]), alice.Ref);
        Assert.IsType<Reply>(alice.FishForMessage(m => m is Reply or Incoming or AwayNotice, Wait));

        session.Tell(new HeldWhileOnline("alice"), Akka.Actor.ActorRefs.NoSender);
        var again = StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice", Wait);
        Assert.False(again.Next); // the first page's series goes on, no later-page series over it
        StoreProbe.Send(session, FromBob(again.Ticket));
        Assert.Equal(1, alice.FishForMessage<AwayNotice>(_ => true, Wait).Arrived);
        Assert.Equal("are you there?", alice.ExpectMsg<Incoming>(Wait).Text);
        Assert.DoesNotContain(StoreProbe.ReceiveWhile(TimeSpan.FromMilliseconds(400), m => m), m => m is CollectAway);

        // Once the page is acknowledged, the DM held meanwhile is collected as a later page.
        session.Tell(new Ack(alice.ReceiveWhile(TimeSpan.Zero, m => m).Count + 3), alice.Ref);
        Assert.Equal(7, StoreProbe.FishForMessage<AwayDelivered>(_ => true, Wait).UpTo);
        Assert.True(StoreProbe.FishForMessage<CollectAway>(c => c.Owner == "alice", Wait).Next);
    }
}
