using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A conversation's history shows what peers wrote as pushed messages are shown (<see cref="Notices.Printable"/>): a
/// hostile tester's DM of invisible characters, which broke the chat view's frame when it came, broke it again in
/// <c>history bob</c>'s table, which printed the texts as the server sent them; and an escape sequence there would drive
/// the terminal (the server refuses them; the client does not rely on it).
/// </summary>
public sealed class HistoryTextShownSpecs() : TestKit(ActorTestConfig.Quiet)
{
    [Fact]
    public async Task A_history_tables_texts_show_control_and_invisible_characters_as_question_marks()
    {
        var menu = new ProbedMenu(this);
        var run = menu.Run(menu.Plain("history bob\nexit\n"));

        await menu.AnswerAsync(id => new WhoReply(id, Codes.Ok, 1, 1, [], null));
        var history = await menu.AnswerAsync(id => new HistoryReply(id, Codes.Ok, 2, 2, "bob",
            [new ChatLine(1, "bob", "a\u200Bb\uFEFFc\u001b[2Jd", 1_700_000_000_000)], 0, 1, null));
        Assert.IsType<HistoryQuery>(history.Message);
        await menu.AnswerAsync(id => new Reply(id, Codes.Ok, 3, 3, OpValue.None, null));
        await run;

        Assert.Contains("a?b?c?[2Jd", menu.Output.ToString());
        Assert.DoesNotContain('\u001b', menu.Output.ToString());
    }
}
