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
}
