using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>A store that does not answer (a conversation whose recovery failed, a journal that hangs): a history query or
/// a read marker is answered 503 by the session itself after the history timeout, as a kept message is, and a late
/// answer from the store is not passed on a second time.</summary>
public sealed class HistoryTimeoutSpecs : ProbeStoreFixture
{
    [Fact]
    public void A_history_query_or_a_read_marker_the_store_never_answers_is_answered_503_after_the_timeout_and_only_once()
    {
        var alice = CreateTestProbe();
        var a = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(_ => true);
        StoreProbe.Reply(new AwayReport([], [], 0)); // else it is asked again (AwayRetrySpecs)

        a.Tell(new HistoryQuery(2, "bob", HistoryAnchor.Latest, 0, 10), alice.Ref);
        var read = StoreProbe.ExpectMsg<ReadHistory>();
        a.Tell(new ChatCommand(3, "markread", ["bob", "1"]), alice.Ref);
        var mark = StoreProbe.ExpectMsg<MarkReadUpTo>();

        var answers = new[] { alice.ExpectMsg<IReply>(TimeSpan.FromSeconds(5)), alice.ExpectMsg<IReply>(TimeSpan.FromSeconds(5)) };
        Assert.Equal([2L, 3L], answers.Select(r => r.Id).Order());
        Assert.All(answers, r => Assert.Equal((Codes.Unavailable, HistoryText.Unavailable), (r.Code, r.Error)));

        // The store answers at last: the client heard already.
        a.Tell(new HistoryPage(read.Ticket, read.Conversation, [], 0, 0), StoreProbe.Ref);
        a.Tell(new MarkedOk(mark.Ticket, 1), StoreProbe.Ref);
        a.Tell(new HistoryFailed(read.Ticket, Codes.Unavailable, "late"), StoreProbe.Ref);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
