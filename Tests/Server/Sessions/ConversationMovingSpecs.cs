using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// A request the store does not answer while the cluster has just lost a node: its conversation most likely lived on
/// that node and is moving to another once the node is downed (~12 s). A cluster operator killing a node saw
/// `history bob` answered 503 "history store unavailable; try again" three times in a row with PostgreSQL answering
/// fine: the answer blamed the store. It now says the conversation is moving, names the node and when to try again,
/// still 503; with no node lost the store's own 503 stays.
/// </summary>
public sealed class ConversationMovingSpecs() : ProbeStoreFixture("switchboard.delivery-timeout = 300ms")
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const string Dead = "127.0.0.3:26053";

    protected override bool Cluster => true;

    private (TestProbe Alice, Akka.Actor.IActorRef A) Alice()
    {
        var alice = CreateTestProbe();
        var a = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(_ => true, Wait);
        StoreProbe.Reply(new AwayReport([], [], 0));
        return (alice, a);
    }

    [Fact]
    public void A_history_query_or_read_marker_nobody_answers_while_a_node_is_lost_says_its_conversation_is_moving()
    {
        var (alice, a) = Alice();
        Lost.Lost(Dead);

        a.Tell(new HistoryQuery(2, "bob", HistoryAnchor.Latest, 0, 10), alice.Ref);
        a.Tell(new ChatCommand(3, "markread", ["bob", "1"]), alice.Ref);
        var answers = new[] { alice.FishForMessage<Reply>(r => r.Id == 2, Wait), alice.FishForMessage<Reply>(r => r.Id == 3, Wait) };

        Assert.All(answers, r =>
        {
            Assert.Equal(Codes.Unavailable, r.Code);
            Assert.StartsWith(HistoryText.MovingReason + ":", r.Error);
            Assert.Contains(Dead, r.Error);
            Assert.Contains("try again in a few seconds", r.Error);
            Assert.DoesNotContain("history store unavailable", r.Error);
        });
    }

    [Fact]
    public void A_kept_message_nobody_answers_while_a_node_is_lost_says_its_conversation_is_moving_and_it_may_still_be_kept()
    {
        Alice();
        var bob = CreateTestProbe();
        var b = RegisterAs("bob", bob).Session;
        Lost.Lost(Dead);

        b.Tell(new Tell(7, "alice", "are you there?"), bob.Ref);
        StoreProbe.FishForMessage<Post>(_ => true, Wait);
        var refused = bob.FishForMessage<Reply>(r => r.Id == 7, Wait);

        Assert.Equal(Codes.Unavailable, refused.Code);
        Assert.StartsWith(HistoryText.MovingReason + ":", refused.Error);
        Assert.Contains(Dead, refused.Error);
        Assert.Contains("may still be kept", refused.Error);
        Assert.Contains("look at the history", refused.Error);
    }

    // hD's kill -9 runs: for the ~6 s before the cluster marks a killed node unreachable, a room message sent to its
    // conversation was answered 503 "history store unavailable: it did not answer in time" with PostgreSQL fine. In a
    // cluster a silence is the store's or a node's, and nobody knows which yet: the answer names both, and blames
    // neither alone (a failing store answers in words of its own, not by silence). Once a lost node has settled too.
    [Fact]
    public void A_request_nobody_answers_in_a_cluster_with_no_node_known_lost_names_both_the_conversations_node_and_the_store()
    {
        var (alice, a) = Alice();
        var bob = CreateTestProbe();
        var b = RegisterAs("bob", bob).Session;
        Lost.Lost(Dead);
        Lost.Settled(Dead);

        a.Tell(new HistoryQuery(2, "bob", HistoryAnchor.Latest, 0, 10), alice.Ref);
        var query = alice.FishForMessage<Reply>(r => r.Id == 2, Wait);
        b.Tell(new Tell(7, "alice", "are you there?"), bob.Ref);
        StoreProbe.FishForMessage<Post>(_ => true, Wait);
        var post = bob.FishForMessage<Reply>(r => r.Id == 7, Wait);

        Assert.Equal((Codes.Unavailable, "the node holding this conversation or the history store did not answer in time (a node that stopped answering is noticed within about 7 s); try again in a few seconds"),
            (query.Code, query.Error));
        Assert.Equal((Codes.Unavailable, "the node holding this conversation or the history store did not answer in time, so the message may still be kept and delivered; look at the history before sending it again"),
            (post.Code, post.Error));
    }
}
