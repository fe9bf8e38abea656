using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// What the server says is shown as peers' texts are (<see cref="Notices.Printable"/>): error strings, values, names
/// and nodes in tables. Only pushed lines and history texts went through it, so an escape sequence in a reply's error
/// (a misbehaving server, or a man in the middle without TLS) reached the terminal and drove it; the server refuses
/// them where it can, and the client's own comment says it does not rely on that.
/// </summary>
public sealed class ServerTextShownSpecs() : TestKit(ActorTestConfig.Quiet)
{
    private const string Esc = "\u001b[2J\u001b]0;owned\u0007";

    [Fact]
    public async Task Errors_values_and_table_cells_from_the_server_reach_the_terminal_without_control_characters()
    {
        var menu = new ProbedMenu(this);
        var run = menu.Run(menu.Plain("join games\njoin chess\nwho\nrooms\nexit\n"));

        await menu.AnswerAsync(id => new WhoReply(id, Codes.Ok, 1, 1, [], null));
        await menu.AnswerAsync(id => new Reply(id, Codes.Invalid, 2, 2, OpValue.None, "bad room" + Esc));
        await menu.AnswerAsync(id => new Reply(id, Codes.Ok, 3, 3, OpValue.Of("joined #chess" + Esc), null));
        await menu.AnswerAsync(id => new WhoReply(id, Codes.Ok, 4, 4, [new PresenceEntry("bob" + Esc, "node" + Esc, 1_700_000_000_000)], null));
        await menu.AnswerAsync(id => new RoomsReply(id, Codes.Ok, 5, 5, [new RoomEntry("#x" + Esc, 1, 0)], null));
        await menu.AnswerAsync(id => new Reply(id, Codes.Unavailable, 6, 6, OpValue.None, "gone" + Esc));
        await run;

        var shown = menu.Output.ToString();
        foreach (var said in new[] { "bad room", "joined #chess", "bob", "node", "#x", "unregister: gone" })
            Assert.Contains(said + "?[2J?]0;owned?", shown);
        Assert.DoesNotContain('\u001b', shown);
        Assert.DoesNotContain('\u0007', shown);
    }

    /// <summary>Tab offered the names of who and presence events as the server sent them, and put the one that fit into
    /// the input row, where the terminal drew it: the names the server lists are kept cleaned as the rest it says.</summary>
    [Fact]
    public void Names_the_server_lists_are_offered_by_tab_completion_without_control_characters()
    {
        var status = new ClientStatus("zoe", "127.0.0.1:1");
        status.SetOnline(["bob" + Esc, "zoe"]);
        status.Joined("bea" + Esc);

        var (_, offered) = Completer.Of(status).Complete("tell b");
        Assert.Equal(["bea?[2J?]0;owned?", "bob?[2J?]0;owned?"], offered);
        status.Left("bob" + Esc);
        Assert.Equal("ea?[2J?]0;owned? ", Completer.Of(status).Complete("tell b").Insert);
    }
}
