using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// What the server says is shown as peers' texts are (<see cref="Notices.Printable"/>): error strings, values, names
/// and nodes in tables. Only pushed lines and history texts went through it, so an escape sequence in a reply's error
/// (a misbehaving server, or a man in the middle without TLS) reached the terminal and drove it; the server refuses
/// them where it can, and the client's own comment says it does not rely on that.
/// </summary>
public sealed class ServerTextShownSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    private const string Esc = "\u001b[2J\u001b]0;owned\u0007";

    [Fact]
    public async Task Errors_values_and_table_cells_from_the_server_reach_the_terminal_without_control_characters()
    {
        var client = CreateTestProbe();
        var connection = new Connection(client.Ref, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var status = new ClientStatus("zoe", "127.0.0.1:1");
        var output = new StringWriter();
        var ui = new PlainMenuUi(new StringReader("join games\njoin chess\nwho\nrooms\nexit\n"), output, new Notices(), status);
        var run = Task.Run(new MenuRunner(connection, ui, status).RunAsync);

        var who = await client.ExpectMsgAsync<ClientActor.Call>();
        who.Result.SetResult(new WhoReply(who.Id, Codes.Ok, 1, 1, [], null));
        var refused = await client.ExpectMsgAsync<ClientActor.Call>();
        refused.Result.SetResult(new Reply(refused.Id, Codes.Invalid, 2, 2, OpValue.None, "bad room" + Esc));
        var joined = await client.ExpectMsgAsync<ClientActor.Call>();
        joined.Result.SetResult(new Reply(joined.Id, Codes.Ok, 3, 3, OpValue.Of("joined #chess" + Esc), null));
        var table = await client.ExpectMsgAsync<ClientActor.Call>();
        table.Result.SetResult(new WhoReply(table.Id, Codes.Ok, 4, 4, [new PresenceEntry("bob" + Esc, "node" + Esc, 1_700_000_000_000)], null));
        var rooms = await client.ExpectMsgAsync<ClientActor.Call>();
        rooms.Result.SetResult(new RoomsReply(rooms.Id, Codes.Ok, 5, 5, [new RoomEntry("#x" + Esc, 1, 0)], null));
        var bye = await client.ExpectMsgAsync<ClientActor.Call>();
        bye.Result.SetResult(new Reply(bye.Id, Codes.Unavailable, 6, 6, OpValue.None, "gone" + Esc));
        await run;

        var shown = output.ToString();
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
