using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A join's replay comes before its answer (the server pushes the room's recent lines, then answers), and scripted mode
/// prints them in that order. The interactive client showed the answer first and the replay under it, at the next
/// prompt (a new user's finding): what came before an answer is shown before it now, as in scripted mode.
/// </summary>
public sealed class JoinReplayOrderSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    [Fact]
    public async Task A_joins_replayed_lines_come_before_its_answer()
    {
        var client = CreateTestProbe();
        var connection = new Connection(client.Ref, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var notices = new Notices();
        var status = new ClientStatus("zoe", "127.0.0.1:1");
        var output = new StringWriter();
        var ui = new PlainMenuUi(new StringReader("join games\nexit\n"), output, notices, status);
        var run = Task.Run(new MenuRunner(connection, ui, status).RunAsync);

        var who = client.ExpectMsg<ClientActor.Call>();
        who.Result.SetResult(new WhoReply(who.Id, Codes.Ok, 1, 1, [], null));
        var join = client.ExpectMsg<ClientActor.Call>();
        Assert.IsType<JoinRoom>(join.Message);
        // The client actor shows the pushed replay before it completes the answer that followed it.
        notices.Add("(earlier) [bob → #games] gg");
        notices.Add("(earlier) [ann → #games] rematch?");
        join.Result.SetResult(new Reply(join.Id, Codes.Ok, 2, 2, OpValue.Of("joined #games"), null));
        var bye = client.ExpectMsg<ClientActor.Call>();
        bye.Result.SetResult(new Reply(bye.Id, Codes.Ok, 3, 3, OpValue.None, null));
        await run;

        var lines = output.ToString().Split('\n');
        int At(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(At("[bob → #games] gg") >= 0, output.ToString());
        Assert.True(At("[bob → #games] gg") < At("[ann → #games] rematch?"), output.ToString());
        Assert.True(At("[ann → #games] rematch?") < At("join games = joined #games"), output.ToString());
    }
}
