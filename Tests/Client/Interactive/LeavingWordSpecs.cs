using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// What the prompt says as one leaves with <c>exit</c> (or Ctrl-D, Esc, menu 3): the client does not know whether its
/// name is reserved, so the word names both cases. A new user's finding: a guest leaving read only "Offline (a
/// reserved name stays yours)" and took the name for kept. The menu is driven through a scripted <see cref="IMenuUi"/>,
/// the client actor is a probe.
/// </summary>
public sealed class LeavingWordSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    [Fact]
    public async Task Exit_says_that_a_guests_name_is_anyones_again_and_a_reserved_one_stays()
    {
        var client = CreateTestProbe();
        var connection = new Connection(client.Ref, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var ui = new ScriptedMenuUi(new(["exit"]));
        var run = Task.Run(new MenuRunner(connection, ui, new ClientStatus("zoe", "127.0.0.1:1")).RunAsync);

        client.ExpectMsg<ClientActor.Call>().Result.SetResult(new WhoReply(1, Codes.Ok, 2, 2, [], null));
        var leave = client.ExpectMsg<ClientActor.Call>();
        Assert.IsType<Unregister>(leave.Message);
        leave.Result.SetResult(new Reply(2, Codes.Ok, 3, 3, OpValue.None, null));
        Assert.Equal(ExitCodes.Ok, await run);

        Assert.Equal("info: Offline (a guest's name is anyone's again; a reserved one stays yours) [clientSeq 3, serverSeq 3]. Bye.", ui.Said[^1]);
    }
}
