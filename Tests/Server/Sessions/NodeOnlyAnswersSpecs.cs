using Akka.Actor;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// A session takes <see cref="Delivered"/> and <see cref="FanoutDropped"/> only from an actor of its own node (another
/// session, the gateway, the registry, the node's door or inbox). Its client could send them too, to its own session:
/// a reserved name's client faked <c>Delivered(200)</c> for its DM to an offline guest, and the session kept that DM in
/// the sender's history as delivered though it never was (tester hE).
/// </summary>
public sealed class NodeOnlyAnswersSpecs : ProbeStoreFixture
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    // carol is served by another node that never answers: the DM waits for its Delivered, whoever would send it.
    protected override IRemoteDelivery? Remote() => new SilentNode();

    private sealed class SilentNode : IRemoteDelivery
    {
        public bool TrySend(IActorRef session, long id, string from, string to, string text, long msgId, long timeMs) => to == "carol";
    }

    protected override SessionSettings Settings(SessionSettings hocon) => base.Settings(hocon) with { DeliveryTimeout = TimeSpan.FromMilliseconds(500) };

    private (TestProbe Alice, IActorRef Session) AliceLogsIn()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(_ => true, Wait);
        StoreProbe.Reply(new AwayReport([], [], 0));
        return (alice, session);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_client_cannot_answer_its_own_dm_delivered(bool fromClient)
    {
        var (alice, session) = AliceLogsIn();
        session.Tell(new Tell(5, "carol", "are you there?"), alice.Ref);
        session.Tell(new Delivered(5, Codes.Ok, null), fromClient ? alice.Ref : ActorRefs.NoSender);

        // Not kept as delivered: its wait ends with the silent node's 404, and nothing was posted to the history.
        var answer = alice.FishForMessage<Reply>(r => r.Id == 5, Wait);
        Assert.Equal(Codes.NotOnline, answer.Code);
        Assert.DoesNotContain(StoreProbe.ReceiveWhile(TimeSpan.Zero, m => m), m => m is Post);
    }

    // What the node's own actors answer is taken (here the spec's actor, a local one that is not the client).
    [Fact]
    public void A_dm_answered_by_an_actor_of_the_node_is_kept_as_delivered()
    {
        var (alice, session) = AliceLogsIn();
        session.Tell(new Tell(5, "carol", "are you there?"), alice.Ref);
        session.Tell(new Delivered(5, Codes.Ok, null), TestActor);
        var post = StoreProbe.FishForMessage<Post>(_ => true, Wait);
        StoreProbe.Reply(new Posted(post.Ticket, post.Conversation, 9, 1_000));
        Assert.Equal(Codes.Ok, alice.FishForMessage<Reply>(r => r.Id == 5, Wait).Code);
    }

    [Fact]
    public void A_client_cannot_push_itself_a_drop_notice()
    {
        var (alice, session) = AliceLogsIn();
        session.Tell(new FanoutDropped("alice", "bob", "bob is not keeping up; message dropped"), alice.Ref);
        session.Tell(new FanoutDropped("alice", "bob", "bob is not keeping up; message dropped"), ActorRefs.NoSender);
        session.Tell(new Request(1, "add", ["1", "1"]), alice.Ref);
        Assert.IsType<Reply>(alice.FishForMessage(m => m is Reply or Dropped, Wait));
    }

    [Fact]
    public void Another_session_of_the_node_still_answers_a_dm()
    {
        var alice = CreateTestProbe();
        var post = AliceDmsBobHi(alice, Wait);
        StoreProbe.Reply(new Posted(post.Ticket, post.Conversation, 9, 1_000));
        Assert.Equal(Codes.Ok, alice.FishForMessage<Reply>(r => r.Id == 5, Wait).Code);
    }
}
