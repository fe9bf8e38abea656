using Akka.Actor;

namespace Switchboard.Tests.Server.Gateway;

/// <summary>Registration of reserved names through the gateway, with the node's accounts on Akka.Persistence.TestKit's
/// journal: the claim is kept only with the password, and given back otherwise.</summary>
public sealed class GatewayAccountSpecs() : ServerActorsFixture(AccountTestHocon)
{
    private static readonly string AccountTestHocon = AccountTestConfig.TestJournal().ToString();

    protected override IActorRef? Accounts() => Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), TimeProvider.System), "accounts");

    private void Reserved(string name, string password)
    {
        var owner = CreateTestProbe();
        Gateway.Tell(new Register(name, null, password), owner.Ref);
        var session = owner.ExpectMsg<Registered>().Session;
        session.Tell(new AccountCommand(2, AccountAction.Reserve, password), owner.Ref);
        Assert.Equal("reserved", owner.ExpectMsg<Reply>(TimeSpan.FromSeconds(10)).Value.Text);
        session.Tell(new Unregister(3), owner.Ref);
        owner.ExpectMsg<Reply>();
    }

    private object Register(string name, string? password)
    {
        var client = CreateTestProbe();
        Gateway.Tell(new Register(name, null, password), client.Ref);
        return client.ExpectMsg<ISwitchboardMessage>(m => m is Registered or Rejected, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_reserved_name_is_refused_403_without_or_with_a_wrong_password_and_its_claim_is_given_back()
    {
        Reserved("alice", "s3cret");
        Assert.Equal(Codes.Forbidden, Assert.IsType<Rejected>(Register("alice", null)).Code);
        Assert.Equal(Codes.Forbidden, Assert.IsType<Rejected>(Register("alice", "guess")).Code);
        // Both refusals gave the name back: its owner registers at once.
        Assert.IsType<Registered>(Register("alice", "s3cret"));
        Assert.Equal(Codes.NameTaken, Assert.IsType<Rejected>(Register("alice", "s3cret")).Code);
        // A refused login served nobody: the summary at shutdown lists sessions, not attempts (the registry handled the
        // refusals' releases before the last claim, which came after them from the same gateway).
        Assert.Equal(["alice"], Summary.Sessions.Select(s => s.Name)); // Reserved() served one; the 403s none
    }

    [Fact]
    public void Guests_register_as_before_and_a_too_long_password_is_refused_422()
    {
        Assert.IsType<Registered>(Register("guest", null));
        Assert.IsType<Registered>(Register("guest2", "unused"));
        Assert.Equal(Codes.Invalid, Assert.IsType<Rejected>(Register("guest3", new string('x', Limits.MaxPasswordBytes + 1))).Code);
    }

    [Fact]
    public void Wrong_passwords_reach_429_through_the_gateway()
    {
        Reserved("bob", "right");
        var settings = AccountSettings.Create(Sys.Settings.Config);
        for (var i = 0; i < settings.FailuresBeforePenalty; i++) Assert.Equal(Codes.Forbidden, Assert.IsType<Rejected>(Register("bob", $"g{i}")).Code);
        Assert.Equal(Codes.RateLimited, Assert.IsType<Rejected>(Register("bob", "right")).Code);
    }
}

/// <summary>A node without accounts (cluster mode): a password is refused 300, account commands answer 300.</summary>
public sealed class GatewayWithoutAccountsSpecs() : ServerActorsFixture(null)
{
    [Fact]
    public void A_password_is_refused_300_and_account_commands_answer_300()
    {
        var client = CreateTestProbe();
        Gateway.Tell(new Register("alice", null, "pw"), client.Ref);
        var rejected = client.ExpectMsg<Rejected>();
        // A cluster with --db keeps accounts: the answer names what this one lacks.
        Assert.Equal((Codes.NotSupported, "this cluster keeps no accounts (its nodes run without --db): register without a password"),
            (rejected.Code, rejected.Error));
        var session = RegisterAs("alice", client).Session;
        session.Tell(new AccountCommand(2, AccountAction.Reserve, "pw"), client.Ref);
        var reply = client.ExpectMsg<Reply>();
        Assert.Equal((Codes.NotSupported, "this cluster keeps no accounts (its nodes run without --db)"), (reply.Code, reply.Error));
        // So does a client that was started without a password: the server's answer, not a hint to start it with one.
        session.Tell(new AccountCommand(3, AccountAction.Reserve, ""), client.Ref);
        Assert.Equal(Codes.NotSupported, client.ExpectMsg<Reply>().Code);
    }
}
