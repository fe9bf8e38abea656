using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client;

/// <summary>The client's side of accounts: the password filled into account commands, kept across a confirmed change,
/// never printed; and refused for a server off this host without TLS.</summary>
public sealed class AccountClientSpecs() : TestKit(ActorTestConfig.Quiet)
{
    private static readonly Address Server = Address.Parse("akka.tcp://switchboard@127.0.0.1:1");

    private sealed class Quiet : IClientEvents
    {
        public void Registered(Registered registered) { }
        public void Pushed(ISwitchboardMessage message) { }
        public void Lost(string why) { }
        public void ReconnectRefused(int code, string error, bool final = false) { }
        public void Reconnected(Registered registered, IActorRef client) { }
        public void NeedsFreshSystem() { }
        public bool Behind => false;
    }

    private (IActorRef Client, Akka.TestKit.TestProbe Session) Online(Credentials credentials)
    {
        var client = Sys.ActorOf(ClientActor.Props(Server, "alice", new Quiet(), credentials: credentials));
        var session = CreateTestProbe();
        var connected = new TaskCompletionSource<ISwitchboardMessage?>();
        client.Tell(new ClientActor.Connect(connected));
        client.Tell(new Registered(session.Ref, 1, 7, "127.0.0.1:1"));
        Assert.IsType<Registered>(connected.Task.Wait(TimeSpan.FromSeconds(10).Scaled()) ? connected.Task.Result : null);
        return (client, session);
    }

    private static Task<IReply> Call(IActorRef client, ISwitchboardMessage message, long id)
    {
        var result = new TaskCompletionSource<IReply>();
        client.Tell(new ClientActor.Call(id, message, result));
        return result.Task;
    }

    [Fact]
    public async Task Account_commands_go_out_with_the_current_password_and_a_confirmed_change_replaces_it()
    {
        var credentials = new Credentials("first");
        var (client, session) = Online(credentials);

        var change = Call(client, new AccountCommand(2, AccountAction.ChangePassword, "", "second"), 2);
        var sent = session.ExpectMsg<AccountCommand>();
        Assert.Equal(("first", "second"), (sent.Password, sent.NewPassword));
        client.Tell(new Reply(2, Codes.Ok, 2, 8, OpValue.Of("password changed"), null));
        Assert.Equal(Codes.Ok, (await change).Code);
        Assert.Equal("second", credentials.Password); // what the next registration presents

        var refused = Call(client, new AccountCommand(3, AccountAction.ChangePassword, "", "third"), 3);
        session.ExpectMsg<AccountCommand>();
        client.Tell(new Reply(3, Codes.Forbidden, 3, 9, OpValue.None, "wrong password"));
        Assert.Equal(Codes.Forbidden, (await refused).Code);
        Assert.Equal("second", credentials.Password);

        _ = Call(client, new AccountCommand(4, AccountAction.Release, ""), 4);
        Assert.Equal("second", session.ExpectMsg<AccountCommand>().Password);
    }

    // Only the server knows whether it keeps accounts: a cluster without --db answers 300 to any account command, and a
    // hint to start the client with a password would lead nowhere there.
    [Fact]
    public async Task Without_a_password_an_account_command_asks_the_server_and_only_a_server_keeping_accounts_hears_the_hint()
    {
        var (client, session) = Online(new Credentials(null));
        var reserve = Call(client, new AccountCommand(2, AccountAction.Reserve, ""), 2);
        Assert.Equal("", session.ExpectMsg<AccountCommand>().Password);
        client.Tell(new Reply(2, Codes.Invalid, 2, 8, OpValue.None, "the password is empty"));
        var hint = (Reply)await reserve;
        Assert.Equal(Codes.Invalid, hint.Code);
        Assert.Contains("--password-file", hint.Error);

        var noAccounts = Call(client, new AccountCommand(3, AccountAction.Reserve, ""), 3);
        session.ExpectMsg<AccountCommand>();
        client.Tell(new Reply(3, Codes.NotSupported, 3, 9, OpValue.None, "this cluster keeps no accounts (its nodes run without --db)"));
        var refused = (Reply)await noAccounts;
        Assert.Equal((Codes.NotSupported, "this cluster keeps no accounts (its nodes run without --db)"), (refused.Code, refused.Error));
    }

    [Fact]
    public void Nothing_that_carries_a_password_prints_it()
    {
        const string password = "hunter2-do-not-print";
        Assert.DoesNotContain(password, new Credentials(password).ToString());
        Assert.DoesNotContain(password, new Register("alice", "tok", password).ToString());
        Assert.DoesNotContain(password, new AccountCommand(1, AccountAction.ChangePassword, password, password).ToString());
        Assert.DoesNotContain(password, new AccountJob(1, AccountAction.Reserve, password, password).ToString());
        Assert.DoesNotContain(password, new VerifyClaim(new NameClaimed("a", ActorRefs.Nobody, default, default, new InMemoryStateStore("n").CounterFor(default)), password, "h").ToString());
        Assert.DoesNotContain("Hash", new StoredPassword([1, 2], [3, 4], 9).ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:4053", false, false, false)]
    [InlineData("localhost:4053", false, false, false)]
    [InlineData("192.0.2.7:4053", false, false, true)]
    [InlineData("127.0.0.1:4053,192.0.2.7:4053", false, false, true)]
    [InlineData("192.0.2.7:4053", true, false, false)]
    [InlineData("192.0.2.7:4053", false, true, false)]
    public void A_password_goes_in_the_clear_only_to_loopback_unless_allowed(string servers, bool tls, bool allowed, bool refused)
    {
        var problem = PasswordSource.CleartextProblem("pw", tls, allowed, ServerList.Parse(servers)!);
        Assert.Equal(refused, problem is not null);
        Assert.Null(PasswordSource.CleartextProblem(null, false, false, ServerList.Parse(servers)!)); // a guest sends none
    }
}
