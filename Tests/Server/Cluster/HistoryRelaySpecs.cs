using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// The node's history relay, with probes for the shard regions: how long it remembers a request whose answer is late.
/// </summary>
public sealed class HistoryRelaySpecs : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    // A conversation whose node was killed is written once its shard has moved (~12 s, 15 s seen with three nodes): its
    // Posted came back after the relay had swept the request (two history timeouts), so the session, which still waited
    // for it after its 503, never heard it was kept and the DM was never held for its offline recipient (hC's cluster
    // operator: kept, never pushed at login). A post is remembered for as long as the session waits for it.
    [Fact]
    public void A_post_answered_long_after_the_history_timeout_still_reaches_its_session()
    {
        var conversations = CreateTestProbe();
        var session = CreateTestProbe();
        var relay = Sys.ActorOf(HistoryRelayActor.Props(conversations.Ref, CreateTestProbe().Ref, CreateTestProbe().Ref, new ReservedNames(), Timeout));
        var dm = Conversation.Direct("alice", "bob");

        relay.Tell(new Post(dm, 7, "bob", "are you there?"), session.Ref);
        var asked = conversations.ExpectMsg<Post>(Wait);
        // Several sweeps pass (a read's answer this late is dropped), fewer than the session's wait of a minute's asks.
        Thread.Sleep(Timeout * (SessionChat.MaxHoldsAsked / 2));
        conversations.Reply(new Posted(asked.Ticket, dm, 3, 1_000));

        var posted = session.ExpectMsg<Posted>(Wait);
        Assert.Equal((7L, 3L), (posted.Ticket, posted.MsgId));
    }

    // While another cluster holds the database's claim (a split) kept messages, holds and read markers are refused, but
    // what a session tells an inbox without waiting for an answer (a pushed page of what arrived while away, a left
    // room's marker) went on to the inbox and was written beside the other cluster's writes. It waits here now, and goes
    // on once this cluster holds the claim again: the page is not pushed a second time at the next login.
    [Fact]
    public void What_a_session_tells_an_inbox_to_forget_waits_while_another_cluster_holds_the_claim_and_goes_once_it_is_back()
    {
        var inboxes = CreateTestProbe();
        var session = CreateTestProbe();
        var gate = new StoreClaimGate();
        gate.Held();
        gate.Lost("the data store postgresql://u@db:5432/switchboard is claimed by another cluster (127.0.0.9:5000 (node port 127.0.0.9:5001))");
        var relay = Sys.ActorOf(HistoryRelayActor.Props(CreateTestProbe().Ref, inboxes.Ref, CreateTestProbe().Ref, new ReservedNames(), Timeout, claim: gate));
        var room = new ForgetMarker("alice", Conversation.Room("#tea"));

        relay.Tell(new AwayDelivered("alice", 12), session.Ref);
        relay.Tell(room, session.Ref);
        inboxes.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        gate.Held();
        Sys.EventStream.Publish(StoreClaimBack.Instance);
        Assert.Equal(new AwayDelivered("alice", 12), inboxes.ExpectMsg<AwayDelivered>(Wait));
        Assert.Equal(room, inboxes.ExpectMsg<ForgetMarker>(Wait));
        relay.Tell(new AwayDelivered("alice", 13), session.Ref);
        Assert.Equal(13L, inboxes.ExpectMsg<AwayDelivered>(Wait).UpTo);
    }

    // A session puts a request nobody answered down to a node lost a moment ago ("conversation moving"): the relay keeps
    // that view from the membership events, from the node's unreachability until two history timeouts after its removal
    // (what was sent to it before then waits one out), or until it answers again.
    [Fact]
    public void A_lost_node_is_recent_from_unreachable_until_a_while_after_its_removal_or_until_it_answers_again()
    {
        var lost = new LostNodes();
        var relay = Sys.ActorOf(HistoryRelayActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref, CreateTestProbe().Ref, new ReservedNames(),
            Timeout, lost: lost));

        relay.Tell(new NodeUnreachable("127.0.0.3:4053"));
        AwaitCondition(() => lost.Recent == "127.0.0.3:4053", Wait);
        relay.Tell(new NodeReachable("127.0.0.3:4053"));
        AwaitCondition(() => lost.Recent is null, Wait);

        relay.Tell(new NodeUnreachable("127.0.0.2:4053"));
        relay.Tell(new NodeRemoved("127.0.0.2:4053"));
        AwaitCondition(() => lost.Recent is null, Wait);

        // A member that left on its own was never lost: its removal makes nothing recent.
        relay.Tell(new NodeRemoved("127.0.0.1:4053"));
        relay.Tell(new NodeUnreachable("127.0.0.4:4053"));
        AwaitCondition(() => lost.Recent == "127.0.0.4:4053", Wait);
    }

    // A read sent while its conversation's node was dying went to that node and was lost; the client heard 503 only
    // after the history timeout, up to 5 s after the conversation had moved (hC's kill -9 run: `history bob` answered
    // at +15.4 s, the node removed at +12.4 s). Once a lost node is removed the relay asks again what it still waits
    // for and may safely ask twice (reads, read markers, holds, away collections: one answer goes on, the others are
    // dropped); a post is never sent twice (it would be kept twice).
    [Fact]
    public void When_a_lost_node_is_removed_the_reads_still_waiting_are_asked_again_and_answered_once_but_a_post_is_not()
    {
        var conversations = CreateTestProbe();
        var inboxes = CreateTestProbe();
        var session = CreateTestProbe();
        var relay = Sys.ActorOf(HistoryRelayActor.Props(conversations.Ref, inboxes.Ref, CreateTestProbe().Ref, new ReservedNames(),
            TimeSpan.FromSeconds(30), lost: new LostNodes()));
        var dm = Conversation.Direct("alice", "bob");

        relay.Tell(new ReadHistory(dm, 7, HistoryAnchor.Latest, 0, 10), session.Ref);
        relay.Tell(new Post(dm, 8, "bob", "are you there?"), session.Ref);
        relay.Tell(new Hold("alice", 9, dm, 3), session.Ref);
        var read = conversations.ExpectMsg<ReadHistory>(Wait);
        conversations.ExpectMsg<Post>(Wait);
        var hold = inboxes.ExpectMsg<Hold>(Wait);

        relay.Tell(new NodeUnreachable("127.0.0.3:4053"));
        relay.Tell(new NodeRemoved("127.0.0.3:4053"));

        Assert.Equal(read, conversations.FishForMessage<ReadHistory>(_ => true, Wait));
        Assert.Equal(hold, inboxes.FishForMessage<Hold>(_ => true, Wait));
        conversations.Reply(new HistoryPage(read.Ticket, dm, [], 0, 0));
        conversations.Reply(new HistoryPage(read.Ticket, dm, [], 0, 0));
        Assert.Equal(7L, session.ExpectMsg<HistoryPage>(Wait).Ticket);
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        conversations.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // the post, once only
    }
}
