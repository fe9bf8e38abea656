using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>A session numbers and sends its replies itself (<see cref="SessionReplies"/>): in order even when its
/// counter has no number for a while (a cluster node between leases), and a counter that fails costs the reply, not the
/// session.</summary>
public sealed class SessionRepliesSpecs() : TestKit(ActorTestConfig.TimeFactorConfig)
{
    private readonly ScriptedCounter _counter = new();
    private readonly List<string> _ended = [];

    private SessionReplies Replies(IActorRef client, IActorRef registry) =>
        new(_counter, client, registry, TestActor, null, Sys.Log, _ended.Add);

    [Fact]
    public void Replies_without_a_number_wait_in_order_and_go_out_when_the_registry_says_numbers_are_ready()
    {
        var (client, registry) = (CreateTestProbe(), CreateTestProbe());
        var replies = Replies(client.Ref, registry.Ref);
        _counter.Next = Counting.NotYet;
        replies.Reply(1, OpOutcome.Ok(OpValue.Of(1)));
        Assert.Equal(1, registry.ExpectMsg<AwaitNumbers>().Count);
        _counter.Next = Counting.Counted; // numbers again, but what waits goes first
        replies.Rooms(2, []);
        replies.Reply(3, OpOutcome.Ok(OpValue.Of(3)));
        client.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        registry.ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // asked once
        replies.NumbersReady();
        Assert.Equal((1L, 2L), client.ExpectMsg<Reply>() is var r1 ? (r1.Id, r1.ClientSeq) : default);
        Assert.Equal((2L, 3L), client.ExpectMsg<RoomsReply>() is var r2 ? (r2.Id, r2.ClientSeq) : default);
        Assert.Equal((3L, 4L), client.ExpectMsg<Reply>() is var r3 ? (r3.Id, r3.ClientSeq) : default);
        replies.Reply(4, OpOutcome.Ok(OpValue.Of(4))); // and straight out again
        Assert.Equal(5, client.ExpectMsg<Reply>().ClientSeq);
    }

    [Fact]
    public void Unregistering_answers_replies_still_waiting_for_numbers_503_first_then_releases_and_replies()
    {
        var (client, registry) = (CreateTestProbe(), CreateTestProbe());
        var replies = Replies(client.Ref, registry.Ref);
        _counter.Next = Counting.NotYet;
        replies.Reply(1, OpOutcome.Ok(OpValue.Of(1)));
        registry.ExpectMsg<AwaitNumbers>();
        replies.Unregistered(2, new ReleaseName(default, "alice", "unregistered"));
        Assert.Equal((1L, Codes.Unavailable), client.ExpectMsg<Reply>() is var held ? (held.Id, held.Code) : default);
        Assert.Equal("alice", registry.ExpectMsg<ReleaseName>().Name);
        Assert.Equal((2L, Codes.Ok, "unregistered"), client.ExpectMsg<Reply>() is var bye ? (bye.Id, bye.Code, bye.Value.Text) : default);
    }

    [Fact]
    public void A_counter_that_throws_costs_that_reply_a_503_and_the_next_is_numbered()
    {
        var client = CreateTestProbe();
        var replies = Replies(client.Ref, CreateTestProbe().Ref);
        _counter.Throw = true;
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => replies.Reply(1, OpOutcome.Ok(OpValue.Of(1))));
        Assert.Equal((1L, Codes.Unavailable, "server state unavailable, try again"), client.ExpectMsg<Reply>() is var r ? (r.Id, r.Code, r.Error) : default);
        replies.Reply(2, OpOutcome.Ok(OpValue.Of(2)));
        Assert.Equal((Codes.Ok, 2L), client.ExpectMsg<Reply>() is var next ? (next.Code, next.ClientSeq) : default);
        Assert.Empty(_ended);
    }

    [Fact]
    public void A_lost_claim_answers_every_waiting_id_503_and_ends_the_session()
    {
        var client = CreateTestProbe();
        var replies = Replies(client.Ref, CreateTestProbe().Ref);
        _counter.Next = Counting.Lost;
        replies.Batch([new Answered(1, OpOutcome.Ok(OpValue.Of(1))), new Answered(2, OpOutcome.Ok(OpValue.Of(2)))]);
        Assert.Equal([(1L, "registration lost; register again"), (2L, "registration lost; register again")],
            [client.ExpectMsg<Reply>() is var a ? (a.Id, a.Error) : default, client.ExpectMsg<Reply>() is var b ? (b.Id, b.Error) : default]);
        Assert.Equal(["its registration was lost"], _ended);
    }

    [Fact]
    public void A_broken_store_answers_in_its_own_words_and_tells_the_registry()
    {
        var (client, registry) = (CreateTestProbe(), CreateTestProbe());
        var replies = Replies(client.Ref, registry.Ref);
        _counter.Next = Counting.Broken;
        replies.Reply(7, OpOutcome.Ok(OpValue.Of(7)));
        Assert.Equal((Codes.Unavailable, "cut short"), client.ExpectMsg<Reply>() is var r ? (r.Code, r.Error) : default);
        Assert.Equal("cut short", registry.ExpectMsg<StoreBroken>().Reason);
    }

    private sealed class ScriptedCounter : ReplyCounter
    {
        private long _serverSeq = 100;
        public Counting Next { get; set; } = Counting.Counted;
        public bool Throw { get; set; }

        protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
        {
            if (Throw)
            {
                Throw = false;
                throw new InvalidOperationException("a bug in the counter");
            }
            if (Next == Counting.Broken) Broken = "cut short";
            if (Next != Counting.Counted) return Next;
            for (var i = 0; i < seqs.Length; i++) seqs[i] = seqs[i] with { ServerSeq = ++_serverSeq };
            return Counting.Counted;
        }
    }
}
