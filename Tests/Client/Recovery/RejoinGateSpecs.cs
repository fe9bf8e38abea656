using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Recovery;

/// <summary>
/// After a reconnect the catch-up joins the client's rooms again; a command typed or scripted meanwhile waits for those
/// joins, or a line to a room reached the new session first and was refused 422 "join #ops first" (a cluster operator's
/// finding: a script's first `say #ops` after a node was killed). The catch-up's own requests go at once. The client
/// actor is a probe.
/// </summary>
public sealed class RejoinGateSpecs() : TestKit(ActorTestConfig.Quiet)
{
    private static Reply Ok(long id) => new(id, Codes.Ok, 2, 2, OpValue.Of("ok"), null);

    [Fact]
    public async Task A_command_sent_while_the_rooms_are_joined_again_goes_after_the_joins()
    {
        var client = CreateTestProbe();
        var connection = new Connection(client.Ref, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var joined = new TaskCompletionSource();
        connection.Rejoining(joined.Task);

        var say = connection.SendAsync(id => new Say(id, "#ops", "x"));
        var join = connection.SendNowAsync(id => new JoinRoom(id, "#ops"));
        var first = client.ExpectMsg<ClientActor.Call>();
        Assert.IsType<JoinRoom>(first.Message);
        first.Result.SetResult(Ok(first.Id));
        Assert.Equal(Codes.Ok, (await join).Code);
        client.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the say waits

        joined.SetResult();
        var second = client.ExpectMsg<ClientActor.Call>();
        Assert.IsType<Say>(second.Message);
        second.Result.SetResult(Ok(second.Id));
        Assert.Equal(Codes.Ok, (await say).Code);
    }

    [Fact]
    public async Task The_catch_up_says_the_rooms_are_joined_before_it_reads_their_history_and_also_when_it_ends_early()
    {
        var seen = new SeenMessages("alice");
        seen.Answered(new JoinRoom(1, "#ops"), new Reply(1, Codes.Ok, 2, 2, OpValue.Of("joined #ops"), null));
        seen.Pushed(new Incoming("bob", "text 3", false, "#ops", false, 3, 1003));
        var asked = new List<ISwitchboardMessage>();
        var history = new TaskCompletionSource<IReply>();
        var catchUp = new CatchUp(seen, make =>
        {
            var m = make(asked.Count + 100);
            asked.Add(m);
            return m is JoinRoom j ? Task.FromResult<IReply>(Ok(j.Id)) : history.Task;
        }, new NoView());
        var run = catchUp.RunAsync(seen.BeginCatchUp());
        await catchUp.Rejoined.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(run.IsCompleted); // its history query is still unanswered
        Assert.IsType<HistoryQuery>(asked[^1]);
        history.SetResult(new Reply(0, Codes.Unreachable, 0, 0, OpValue.None, "gone"));
        await run;

        // A catch-up that ends before its joins (the connection went again) still lets commands go.
        var early = new CatchUp(seen, _ => Task.FromResult<IReply>(new Reply(0, Codes.Unreachable, 0, 0, OpValue.None, "gone")), new NoView());
        await early.RunAsync(new CatchUpPlan(["#ops"], [], PresenceOn: false));
        Assert.True(early.Rejoined.IsCompleted);
    }

    private sealed class NoView : ICatchUpView
    {
        public void Rejoined(string room) { }
        public void Missed(Incoming message) { }
        public void Trimmed(string conversation, long count) { }
        public void CaughtUp(CatchUpSummary summary) { }
    }
}
