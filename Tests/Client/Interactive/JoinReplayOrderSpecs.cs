using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A join's replay comes before its answer (the server pushes the room's recent lines, then answers), and scripted mode
/// prints them in that order. The interactive client showed the answer first and the replay under it, at the next
/// prompt (a new user's finding): what came before an answer is shown before it now, as in scripted mode.
/// </summary>
public sealed class JoinReplayOrderSpecs() : TestKit(ActorTestConfig.Quiet)
{
    [Fact]
    public async Task A_joins_replayed_lines_come_before_its_answer()
    {
        var menu = new ProbedMenu(this);
        var run = menu.Run(menu.Plain("join games\nexit\n"));

        await menu.AnswerAsync(id => new WhoReply(id, Codes.Ok, 1, 1, [], null));
        var join = await menu.AnswerAsync(id =>
        {
            // The client actor shows the pushed replay before it completes the answer that followed it.
            menu.Notices.Add("(earlier) [bob → #games] gg");
            menu.Notices.Add("(earlier) [ann → #games] rematch?");
            return new Reply(id, Codes.Ok, 2, 2, OpValue.Of("joined #games"), null);
        });
        Assert.IsType<JoinRoom>(join.Message);
        await menu.AnswerAsync(id => new Reply(id, Codes.Ok, 3, 3, OpValue.None, null));
        await run;

        var output = menu.Output;
        var lines = output.ToString().Split('\n');
        int At(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(At("[bob → #games] gg") >= 0, output.ToString());
        Assert.True(At("[bob → #games] gg") < At("[ann → #games] rematch?"), output.ToString());
        Assert.True(At("[ann → #games] rematch?") < At("join games = joined #games"), output.ToString());
    }
}
