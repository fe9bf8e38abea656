using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A password typed at a prompt (<c>--password</c>, no echo) is asked for again before <c>reserve</c>: a typo would lock
/// the name for good. A password from a file is what the person wrote down: reserve goes at once. The menu is driven
/// through a scripted <see cref="IMenuUi"/>, the client actor is a probe.
/// </summary>
public sealed class ReserveRetypeSpecs() : TestKit(ActorTestConfig.Quiet)
{
    [Fact]
    public async Task A_reserve_asks_a_prompted_password_again_and_a_mismatch_sends_nothing()
    {
        var menu = new ProbedMenu(this);
        var ui = new ScriptedMenuUi(new(["reserve", "reserve", "who"]), new(["secrat", "secret"]), menu.LeaveWithoutUnregistering);
        var run = menu.Run(ui, prompted: new Credentials("secret"));

        Assert.IsType<Who>((await menu.AnswerAsync(new WhoReply(1, Codes.Ok, 2, 2, [], null))).Message);
        // The first reserve's second typing differs: refused here, so the next call is the second reserve.
        var reserve = await menu.AnswerAsync(new Reply(3, Codes.Ok, 3, 3, OpValue.Of("reserved"), null));
        Assert.Equal(AccountAction.Reserve, Assert.IsType<AccountCommand>(reserve.Message).Action);
        Assert.IsType<Who>((await menu.AnswerAsync(new WhoReply(4, Codes.Ok, 4, 4, [], null))).Message);
        Assert.Equal(ExitCodes.Unreachable, await run);

        Assert.Equal(2, ui.Asked.Count);
        Assert.Contains("again", ui.Asked[0]);
        Assert.Equal("bad: reserve: the two passwords differ, nothing was reserved; if the first was mistyped, leave and start the client again",
            ui.Said[0]);
        Assert.StartsWith("good: reserve = reserved", ui.Said[1]);
    }

    [Fact]
    public async Task A_reserve_goes_at_once_when_the_password_came_from_a_file_and_escape_at_the_second_typing_sends_nothing()
    {
        var menu = new ProbedMenu(this);
        var ui = new ScriptedMenuUi(new(["reserve"]), new(), menu.LeaveWithoutUnregistering);
        var run = menu.Run(ui);
        await menu.AnswerAsync(new WhoReply(1, Codes.Ok, 2, 2, [], null));
        Assert.IsType<AccountCommand>((await menu.AnswerAsync(new Reply(2, Codes.Ok, 3, 3, OpValue.Of("reserved"), null))).Message);
        await run;
        Assert.Empty(ui.Asked);

        menu = new ProbedMenu(this);
        var prompted = new ScriptedMenuUi(new(["reserve", "who"]), new([null]), menu.LeaveWithoutUnregistering);
        run = menu.Run(prompted, prompted: new Credentials("secret"));
        await menu.AnswerAsync(new WhoReply(1, Codes.Ok, 2, 2, [], null));
        Assert.IsType<Who>((await menu.AnswerAsync(new WhoReply(2, Codes.Ok, 3, 3, [], null))).Message);
        await run;
        Assert.Equal("bad: reserve: not sent", prompted.Said[0]); // then only the leaving's word
        Assert.DoesNotContain(prompted.Said, s => s.Contains("reserve", StringComparison.Ordinal) && s != prompted.Said[0]);
    }

    // A new user's finding: `history lobby` (a person's DMs) while in #lobby printed an empty page and nothing more.
    [Fact]
    public async Task An_empty_page_of_a_persons_name_that_is_also_a_joined_room_says_which_was_meant()
    {
        var menu = new ProbedMenu(this);
        menu.Status.JoinedRoom("#lobby");
        var ui = new ScriptedMenuUi(new(["history lobby", "history bob"]), new(), menu.LeaveWithoutUnregistering);
        var run = menu.Run(ui);
        await menu.AnswerAsync(new WhoReply(1, Codes.Ok, 2, 2, [], null));
        Assert.IsType<HistoryQuery>((await menu.AnswerAsync(new HistoryReply(2, Codes.Ok, 3, 3, "lobby", [], 0, 0, null))).Message);
        await menu.AnswerAsync(new HistoryReply(3, Codes.Ok, 4, 4, "bob", [], 0, 0, null));
        await run;
        Assert.Equal(["table: lobby: 0 message(s)", "info: (did you mean #lobby? a name without # is a person)", "table: bob: 0 message(s)"],
            ui.Said.Where(s => s.StartsWith("table: ", StringComparison.Ordinal) || s.StartsWith("info: ", StringComparison.Ordinal)));
    }
}
