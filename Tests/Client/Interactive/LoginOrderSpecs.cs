using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// At a login the rooms of the last run are joined again ("joining the rooms you were in when you last left: ...") only
/// once the first answer is in. The server pushes what arrived while a reserved name was away before any answer
/// (<c>AwayFirstSpecs</c>), so "* N message(s) arrived while you were away" comes first in both modes, as protocol.md
/// says. A tester's finding: on a single host it came first, in cluster mode (PostgreSQL slower) after the rooms line.
/// </summary>
public sealed class LoginOrderSpecs() : TestKit(ActorTestConfig.Quiet)
{
    [Fact]
    public async Task The_rooms_are_joined_again_only_after_the_first_answer_and_before_the_menu()
    {
        var menu = new ProbedMenu(this);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ui = new ScriptedMenuUi(new(["exit"]), onMenu: () => order.Enqueue("menu"));
        var run = menu.Run(ui, started: () => { order.Enqueue("rejoin"); return Task.CompletedTask; });

        var who = await menu.Client.ExpectMsgAsync<ClientActor.Call>();
        Assert.IsType<Who>(who.Message);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Empty(order);
        who.Result.SetResult(new WhoReply(1, Codes.Ok, 2, 2, [], null));

        await menu.AnswerAsync(new Reply(2, Codes.Ok, 3, 3, OpValue.None, null));
        await run;
        Assert.Equal(["rejoin", "menu"], order);
    }
}
