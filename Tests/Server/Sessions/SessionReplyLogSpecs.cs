using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>What a session's replies leave in the log (<see cref="SessionReplies"/>): with --debug each answer and its
/// code (an operator's finding: other requests than operations showed their kind and never their reply), and every 503
/// told to the node's <see cref="UnavailableLog"/>.</summary>
public sealed class SessionReplyLogSpecs() : TestKit(ConfigurationFactory.ParseString("akka.loglevel = DEBUG").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    private readonly ManualClock _clock = new();

    private SessionReplies Replies(IActorRef client, UnavailableLog? unavailable = null) =>
        new(new SequentialCounter(), client, CreateTestProbe().Ref, TestActor, null, Sys.Log, _ => { }, "alice", unavailable);

    [Fact]
    public void Debug_logs_each_answer_with_its_code()
    {
        var client = CreateTestProbe();
        var replies = Replies(client.Ref);
        EventFilter.Debug(contains: "'alice' #2 -> 200 delivered").ExpectOne(() => replies.Answer(2, OpOutcome.Ok(OpValue.Of("delivered"))));
        EventFilter.Debug(contains: "'alice' #3 -> 404 bob is not online").ExpectOne(() => replies.Answer(3, new OpOutcome(Codes.NotOnline, OpValue.None, "bob is not online")));
        EventFilter.Debug(contains: "'alice' #4 -> 200 2 client(s)").ExpectOne(() => replies.Who(4, [], 2));
        EventFilter.Debug(contains: "'alice' #5 -> 429 slow down").ExpectOne(() => replies.RateLimited(5, "slow down", TimeSpan.FromSeconds(1)));
        Assert.Equal([2L, 3L, 4L, 5L], [client.ExpectMsg<Reply>().Id, client.ExpectMsg<Reply>().Id, client.ExpectMsg<WhoReply>().Id, client.ExpectMsg<Reply>().Id]);
    }

    [Fact]
    public void A_503_answer_is_a_warning_for_the_operator()
    {
        using var unavailable = new UnavailableLog(Sys.Log, _clock);
        var replies = Replies(CreateTestProbe().Ref, unavailable);
        EventFilter.Warning(contains: "answered 503 to 'alice' #7: " + HistoryText.NoAnswer)
            .ExpectOne(() => replies.Answer(7, new OpOutcome(Codes.Unavailable, OpValue.None, HistoryText.NoAnswer)));
    }

    private sealed class SequentialCounter : ReplyCounter
    {
        private long _serverSeq;

        protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
        {
            for (var i = 0; i < seqs.Length; i++) seqs[i] = seqs[i] with { ServerSeq = ++_serverSeq };
            return Counting.Counted;
        }
    }
}
