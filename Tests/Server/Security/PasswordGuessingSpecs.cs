using Akka.Actor;
using Akka.TestKit.Xunit2;
using Switchboard.Tests.Server.Accounts;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// A hostile tester's finding: wrong passwords were penalised per name for every host, the right password too, so one
/// peer that sent a wrong password for 'alice' once every 5 minutes (once her penalty had grown to 300 s) kept her out
/// for good. Guessing must stay slow, from one host and from many (connections and loopback addresses cost an attacker
/// nothing), yet the owner with the right password gets in while someone else guesses. Time is the injected clock's:
/// the penalties and budgets are the server's defaults (server.hocon), only the clock is driven.
/// </summary>
public sealed class PasswordGuessingSpecs() : TestKit(AccountTestConfig.TestJournal())
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ManualClock _clock = new();

    // server.hocon's penalties (the specs' config stretches them so that no other spec outlives one).
    private AccountSettings Defaults => AccountSettings.Create(Sys.Settings.Config) with
    {
        FirstPenalty = TimeSpan.FromSeconds(1),
        MaxPenalty = TimeSpan.FromSeconds(300),
    };

    private IActorRef Accounts() => Sys.ActorOf(AccountsActor.Props(Defaults, _clock));

    private void Reserve(IActorRef accounts, string name, string password, string host)
    {
        accounts.Tell(new AccountRequest(name, host, new AccountCommand(7, AccountAction.Reserve, password, null)));
        Assert.Equal(Codes.Ok, ExpectMsg<AccountAnswer>(Wait).Outcome.Code);
    }

    // 200 when the name may be kept, else the code it was refused with (403 a wrong password, 429 unevaluated).
    private int Login(IActorRef accounts, string name, string password, string host)
    {
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim(name, TestActor), password, host));
        return ExpectMsg<object>(m => m is ClaimVerified or ClaimDenied, Wait) is ClaimDenied denied ? denied.Code : Codes.Ok;
    }

    // Guesses from host as fast as its answers allow for the given time, one attempt a second; how many were evaluated.
    private int GuessFor(IActorRef accounts, string name, Func<int, string> host, TimeSpan span)
    {
        var evaluated = 0;
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromSeconds(1))
        {
            var code = Login(accounts, name, $"guess-{evaluated}", host(evaluated));
            if (code == Codes.Forbidden) evaluated++;
            else Assert.Equal(Codes.RateLimited, code);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        return evaluated;
    }

    [Fact]
    public void A_wrong_guess_every_five_minutes_from_one_host_does_not_keep_the_owner_out_from_another()
    {
        var accounts = Accounts();
        Reserve(accounts, "alice", "alices-password", "10.0.1.1");
        // The guesser's penalty grows to its maximum (300 s)...
        GuessFor(accounts, "alice", _ => "10.6.6.6", TimeSpan.FromMinutes(15));
        // ...and it keeps it there with one wrong password as each penalty ends, for two hours.
        for (var round = 0; round < 24; round++)
        {
            _clock.Advance(TimeSpan.FromSeconds(300));
            Assert.Equal(Codes.Forbidden, Login(accounts, "alice", $"again-{round}", "10.6.6.6"));
            // alice, from a host she never logged in from here, with her password: in (and she leaves again).
            Assert.Equal(Codes.Ok, Login(accounts, "alice", "alices-password", $"10.0.2.{round}"));
        }
    }

    [Fact]
    public void The_owners_right_password_from_the_guessers_own_host_is_not_refused_for_guesses_at_another_name()
    {
        var accounts = Accounts();
        Reserve(accounts, "alice", "alices-password", "10.0.1.1");
        Reserve(accounts, "bob", "bobs-password", "10.0.1.1");
        // alice logged in from 10.0.5.5 before (everyone behind one NAT, or every client of one host on 127.0.0.1).
        Assert.Equal(Codes.Ok, Login(accounts, "alice", "alices-password", "10.0.5.5"));
        GuessFor(accounts, "bob", _ => "10.0.5.5", TimeSpan.FromMinutes(30));
        Assert.Equal(Codes.Ok, Login(accounts, "alice", "alices-password", "10.0.5.5"));
    }

    [Fact]
    public void Guesses_from_many_loopback_addresses_do_not_keep_the_owner_out_from_the_host_she_logs_in_from()
    {
        var accounts = Accounts();
        Reserve(accounts, "alice", "alices-password", "127.0.0.1");
        Assert.Equal(Codes.Ok, Login(accounts, "alice", "alices-password", "127.0.0.1"));
        // A local peer binds a fresh loopback address for every guess (127.0.0.0/8 is all its own).
        GuessFor(accounts, "alice", i => $"127.0.{1 + i / 250}.{2 + i % 250}", TimeSpan.FromMinutes(30));
        Assert.Equal(Codes.Ok, Login(accounts, "alice", "alices-password", "127.0.0.1"));
    }

    [Fact]
    public void Guessing_one_name_from_one_host_stays_slow()
    {
        var accounts = Accounts();
        Reserve(accounts, "alice", "alices-password", "10.0.1.1");
        // One attempt a second: the first 3 are evaluated, then 1 s, 2 s, 4 s ... up to 300 s between them.
        Assert.InRange(GuessFor(accounts, "alice", _ => "10.6.6.6", TimeSpan.FromHours(1)), 3, 25);
        Assert.InRange(GuessFor(accounts, "alice", _ => "10.6.6.6", TimeSpan.FromHours(1)), 1, 13);
    }

    [Fact]
    public void Guessing_one_name_from_many_hosts_or_loopback_addresses_stays_slow()
    {
        var accounts = Accounts();
        Reserve(accounts, "alice", "alices-password", "10.0.1.1");
        // A fresh address for every guess, a new one every second: no address ever waits out a penalty of its own.
        Assert.InRange(GuessFor(accounts, "alice", i => $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", TimeSpan.FromHours(1)), 1, 40);
        Assert.InRange(GuessFor(accounts, "alice", i => $"127.{i / 65536 % 256}.{i / 256 % 256}.{1 + i % 250}", TimeSpan.FromHours(1)), 1, 25);
        Assert.InRange(GuessFor(accounts, "alice", i => $"10.9.{i / 256 % 256}.{i % 256}", TimeSpan.FromHours(1)), 1, 25);
    }
}
