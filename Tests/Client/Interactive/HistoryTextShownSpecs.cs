using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// A conversation's history shows what peers wrote as pushed messages are shown (<see cref="Notices.Printable"/>): a
/// hostile tester's DM of invisible characters, which broke the chat view's frame when it came, broke it again in
/// <c>history bob</c>'s table, which printed the texts as the server sent them; and an escape sequence there would drive
/// the terminal (the server refuses them; the client does not rely on it).
/// </summary>
public sealed class HistoryTextShownSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    [Fact]
    public async Task A_history_tables_texts_show_control_and_invisible_characters_as_question_marks()
    {
        var client = CreateTestProbe();
        var connection = new Connection(client.Ref, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var status = new ClientStatus("zoe", "127.0.0.1:1");
        var output = new StringWriter();
        var ui = new PlainMenuUi(new StringReader("history bob\nexit\n"), output, new Notices(), status);
        var run = Task.Run(new MenuRunner(connection, ui, status).RunAsync);

        var who = await client.ExpectMsgAsync<ClientActor.Call>();
        who.Result.SetResult(new WhoReply(who.Id, Codes.Ok, 1, 1, [], null));
        var history = await client.ExpectMsgAsync<ClientActor.Call>();
        Assert.IsType<HistoryQuery>(history.Message);
        history.Result.SetResult(new HistoryReply(history.Id, Codes.Ok, 2, 2, "bob",
            [new ChatLine(1, "bob", "a\u200Bb\uFEFFc\u001b[2Jd", 1_700_000_000_000)], 0, 1, null));
        var bye = await client.ExpectMsgAsync<ClientActor.Call>();
        bye.Result.SetResult(new Reply(bye.Id, Codes.Ok, 3, 3, OpValue.None, null));
        await run;

        Assert.Contains("a?b?c?[2Jd", output.ToString());
        Assert.DoesNotContain('\u001b', output.ToString());
    }
}
