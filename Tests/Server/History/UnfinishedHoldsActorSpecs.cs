using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// What an ended session leaves of its kept DMs to reserved names goes on without it: an inbox that was silent is asked
/// again, and a DM the store keeps only after its sender left is held, so the recipient is shown it at the next login.
/// The history here is a probe; asks are history.timeout (200 ms here) apart.
/// </summary>
public sealed class UnfinishedHoldsActorSpecs : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly Conversation BobAlice = Conversation.Direct("bob", "alice");
    private readonly TestProbe _history;
    private readonly IActorRef _unfinished;

    public UnfinishedHoldsActorSpecs()
    {
        _history = CreateTestProbe();
        _unfinished = Sys.ActorOf(UnfinishedHoldsActor.Props(_history.Ref, Timeout));
    }

    // An ended session: what is sent to it goes to the dead letters.
    private IActorRef EndedSession()
    {
        var session = CreateTestProbe();
        Watch(session.Ref);
        Sys.Stop(session.Ref);
        ExpectTerminated(session.Ref, Wait);
        return session.Ref;
    }

    private Hold ExpectHold(long msgId)
    {
        var hold = _history.ExpectMsg<Hold>(Wait);
        Assert.Equal(("alice", BobAlice, msgId), (hold.Owner, hold.Conversation, hold.MsgId));
        return hold;
    }

    [Fact]
    public void A_DM_whose_inbox_was_silent_is_asked_to_hold_again_until_the_inbox_answers()
    {
        _unfinished.Tell(new HoldsLeft(EndedSession(), [new HoldLeft(5, "alice", BobAlice, 9)]));

        ExpectHold(9);
        ExpectHold(9); // silent: asked again a timeout later
        var third = ExpectHold(9);
        _unfinished.Tell(new HeldOk(third.Ticket), _history.Ref);
        _history.ExpectNoMsg(Timeout * 4);
    }

    [Fact]
    public void A_DM_the_store_never_answers_for_is_said_in_the_log_as_maybe_not_kept()
    {
        // A new operator's finding: a DM answered 503 as its node was killed, its sender gone, was logged as "took over 1
        // kept DMs" and then nothing, though the store never wrote it (it was in no history, and not pushed).
        var session = EndedSession();
        EventFilter.Info(contains: "(0 kept, 1 not answered by the store yet)").ExpectOne(Wait, () =>
            _unfinished.Tell(new HoldsLeft(session, [new HoldLeft(5, "alice", BobAlice, 0)])));
        EventFilter.Warning(contains: "the store never answered for a DM to 'alice'").ExpectOne(Wait, () => { });
        _history.ExpectNoMsg(Timeout);
    }

    [Fact]
    public void A_DM_whose_inbox_never_answers_is_asked_a_bounded_number_of_times()
    {
        _unfinished.Tell(new HoldsLeft(EndedSession(), [new HoldLeft(5, "alice", BobAlice, 9)]));

        for (var i = 0; i < SessionChat.MaxHoldsAsked; i++) ExpectHold(9);
        _history.ExpectNoMsg(Timeout * 4);
    }

    [Fact]
    public void A_DM_the_inbox_refuses_to_hold_is_not_asked_again()
    {
        _unfinished.Tell(new HoldsLeft(EndedSession(), [new HoldLeft(5, "alice", BobAlice, 9)]));

        var hold = ExpectHold(9);
        _unfinished.Tell(new HistoryFailed(hold.Ticket, Codes.Unavailable, HistoryText.InboxFull("alice")), _history.Ref);
        _history.ExpectNoMsg(Timeout * 4);
    }

    // The store answers the ended session (its node was killed and the shard moved, or it was slow): that answer is a
    // dead letter, and the DM it kept is held all the same; the hand-over may come before the answer or after it.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_DM_the_store_keeps_after_its_sender_left_is_held_for_its_recipient(bool handedOverFirst)
    {
        var session = EndedSession();
        var left = new HoldsLeft(session, [new HoldLeft(5, "alice", BobAlice, 0)]);
        if (handedOverFirst)
        {
            _unfinished.Tell(left);
            _history.ExpectNoMsg(Timeout); // nothing to hold until it is kept
        }
        var posted = new Posted(5, BobAlice, 12, 1_000);
        if (handedOverFirst) session.Tell(posted, _history.Ref);
        else
        {
            // As the session's mailbox empties into the dead letters while it stops: published before its hand-over is sent.
            Sys.EventStream.Publish(new DeadLetter(posted, _history.Ref, session));
            _unfinished.Tell(left);
        }

        ExpectHold(12);
    }

    [Fact]
    public void Another_sessions_answer_with_the_same_ticket_is_not_taken_for_it()
    {
        var session = EndedSession();
        _unfinished.Tell(new HoldsLeft(session, [new HoldLeft(5, "alice", BobAlice, 0)]));

        EndedSession().Tell(new Posted(5, BobAlice, 12, 1_000), _history.Ref);
        _history.ExpectNoMsg(Timeout * 2);
    }

    [Fact]
    public void What_it_takes_over_is_bounded()
    {
        var session = EndedSession();
        var left = Enumerable.Range(1, UnfinishedHoldsActor.MaxLeft + 10).Select(i => new HoldLeft(i, "alice", BobAlice, i)).ToArray();
        _unfinished.Tell(new HoldsLeft(session, left));

        // Each taken one is asked (and asked again while silent); none past the bound ever is.
        var asked = new HashSet<long>();
        while (asked.Count < UnfinishedHoldsActor.MaxLeft)
        {
            var hold = _history.ExpectMsg<Hold>(Wait);
            Assert.InRange(hold.MsgId, 1, UnfinishedHoldsActor.MaxLeft);
            asked.Add(hold.MsgId);
        }
        foreach (var hold in _history.ReceiveWhile(Timeout * 2, m => m as Hold ?? throw new InvalidOperationException($"{m}")))
            Assert.InRange(hold.MsgId, 1, UnfinishedHoldsActor.MaxLeft);
    }
}
