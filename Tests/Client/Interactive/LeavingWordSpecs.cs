using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// What the prompt says as one leaves with <c>exit</c> (or Ctrl-D, Esc, menu 3): the client does not know whether its
/// name is reserved, so the word names both cases. A new user's finding: a guest leaving read only "Offline (a
/// reserved name stays yours)" and took the name for kept. The menu is driven through a scripted <see cref="IMenuUi"/>,
/// the client actor is a probe.
/// </summary>
public sealed class LeavingWordSpecs() : TestKit(ActorTestConfig.Quiet)
{
    [Fact]
    public async Task Exit_says_that_a_guests_name_is_anyones_again_and_a_reserved_one_stays()
    {
        var menu = new ProbedMenu(this);
        var ui = new ScriptedMenuUi(new(["exit"]));
        var run = menu.Run(ui);

        await menu.AnswerAsync(new WhoReply(1, Codes.Ok, 2, 2, [], null));
        Assert.IsType<Unregister>((await menu.AnswerAsync(new Reply(2, Codes.Ok, 3, 3, OpValue.None, null))).Message);
        Assert.Equal(ExitCodes.Ok, await run);

        Assert.Equal("info: Offline (a guest's name is anyone's again; a reserved one stays yours) [clientSeq 3, serverSeq 3]. Bye.", ui.Said[^1]);
    }
}
