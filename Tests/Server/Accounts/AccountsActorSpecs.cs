using Akka.Actor;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// The accounts of a node under TestKit, on Akka.Persistence.TestKit's journal: what a reserved name admits, what the
/// account commands answer, guessing bounded per host and name, per host and per name, and a journal that fails, rejects or delays writes.
/// </summary>
public sealed class AccountsActorSpecs() : TestKit(AccountTestConfig.TestJournal())
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private IActorRef Accounts(TimeProvider? clock = null) =>
        Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), clock ?? TimeProvider.System));

    // For the facts whose checks must all still run when the last of a burst is read: a hash of 1,000 iterations
    // (~0.5 ms) could end, and free its check, while the spec's thread, preempted on a loaded box, had not yet told
    // the rest. 100,000 (~50 ms on a free core) leaves that no real chance.
    private IActorRef AccountsWithSlowerHashes(TimeProvider? clock = null) =>
        Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config) with { Iterations = 100_000 }, clock ?? TimeProvider.System));

    private ITestJournal Journal => TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));

    private OpOutcome Command(IActorRef accounts, string name, AccountAction action, string password, string? fresh = null, string host = "10.0.0.1")
    {
        accounts.Tell(new AccountRequest(name, host, new AccountCommand(7, action, password, fresh)));
        var answer = ExpectMsg<AccountAnswer>(Wait);
        Assert.Equal(7, answer.Id);
        return answer.Outcome;
    }

    private object Verify(IActorRef accounts, string name, string? password, string host = "10.0.0.1")
    {
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim(name, TestActor), password, host));
        return ExpectMsg<object>(m => m is ClaimVerified or ClaimDenied, Wait);
    }

    // Wrong passwords for name from host, each refused 403, up to the count where their next attempt waits.
    private void GuessUntilPenalized(IActorRef accounts, string name, string host)
    {
        for (var i = 0; i < AccountSettings.Create(Sys.Settings.Config).FailuresBeforePenalty; i++)
            Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, name, "guess", host)).Code);
    }

    // A 429 that says whose count it is ("for 'alice'", "from this host").
    private static void Waits(object answer, string whose)
    {
        var denied = Assert.IsType<ClaimDenied>(answer);
        Assert.Equal(Codes.RateLimited, denied.Code);
        Assert.Contains(whose, denied.Error);
    }

    [Fact]
    public void An_unreserved_name_is_a_guests_with_or_without_a_password()
    {
        var accounts = Accounts();
        Assert.IsType<ClaimVerified>(Verify(accounts, "guest", null));
        Assert.IsType<ClaimVerified>(Verify(accounts, "guest", "anything"));
    }

    [Fact]
    public void A_reserved_name_registers_only_with_its_password()
    {
        var accounts = Accounts();
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Reserve, "s3cret").Code);

        var missing = Assert.IsType<ClaimDenied>(Verify(accounts, "alice", null));
        Assert.Equal(Codes.Forbidden, missing.Code);
        Assert.Contains("reserved", missing.Error);
        var wrong = Assert.IsType<ClaimDenied>(Verify(accounts, "alice", "guess"));
        Assert.Equal(Codes.Forbidden, wrong.Code);
        Assert.Equal("alice", Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "s3cret")).Claim.Name);
    }

    [Fact]
    public void Reserve_change_and_release_answer_what_they_did_and_need_the_current_password()
    {
        var accounts = Accounts();
        Assert.Equal(Codes.Invalid, Command(accounts, "bob", AccountAction.ChangePassword, "x", "y").Code); // not reserved
        Assert.Equal("reserved", Command(accounts, "bob", AccountAction.Reserve, "one").Value.Text);
        Assert.Equal(Codes.NameTaken, Command(accounts, "bob", AccountAction.Reserve, "two").Code);
        Assert.Equal(Codes.Forbidden, Command(accounts, "bob", AccountAction.ChangePassword, "wrong", "two").Code);
        Assert.Equal("password changed", Command(accounts, "bob", AccountAction.ChangePassword, "one", "two").Value.Text);
        Assert.IsType<ClaimVerified>(Verify(accounts, "bob", "two")); // the right password clears the name's count
        Assert.Equal(Codes.Forbidden, Command(accounts, "bob", AccountAction.Release, "one").Code); // the old one is no more
        Assert.Equal("released", Command(accounts, "bob", AccountAction.Release, "two").Value.Text);
        Assert.IsType<ClaimVerified>(Verify(accounts, "bob", null));
    }

    [Fact]
    public void An_empty_or_oversized_password_is_refused_unevaluated()
    {
        var accounts = Accounts();
        Assert.Equal(Codes.Invalid, Command(accounts, "carol", AccountAction.Reserve, "").Code);
        Assert.Equal(Codes.Invalid, Command(accounts, "carol", AccountAction.Reserve, new string('x', Limits.MaxPasswordBytes + 1)).Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "carol", null)); // still a guest's
    }

    // One host's guesses at a name wait out that host's own count for it; guesses from many hosts (a local peer has all of
    // 127.0.0.0/8) spend the name's budget for hosts it never logged in from, and then those wait, the right password
    // too, while a host it logged in from is still checked (its owner's host has a budget of its own).
    [Fact]
    public void Wrong_passwords_for_one_name_from_many_hosts_spend_its_budget_and_then_only_hosts_it_logged_in_from_are_checked()
    {
        var accounts = Accounts();
        Command(accounts, "dave", AccountAction.Reserve, "right");
        Assert.IsType<ClaimVerified>(Verify(accounts, "dave", "right", host: "10.0.0.9"));
        var settings = AccountSettings.Create(Sys.Settings.Config);
        for (var i = 0; i < settings.WrongPerNameBurst; i++)
            Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "dave", $"guess{i}", host: $"10.0.1.{i}")).Code);
        // Each guess came from another host: the name's budget bounds them.
        var waiting = Assert.IsType<ClaimDenied>(Verify(accounts, "dave", "guess", host: "10.0.2.1"));
        Assert.Equal(Codes.RateLimited, waiting.Code);
        Assert.Contains("for 'dave'", waiting.Error);
        Assert.Matches(@"try again in \d+ s", waiting.Error); // how long, not just "wait"
        Assert.Equal(Codes.RateLimited, Assert.IsType<ClaimDenied>(Verify(accounts, "dave", "right", host: "10.0.2.2")).Code);
        Assert.Equal(Codes.RateLimited, Command(accounts, "dave", AccountAction.Release, "right", host: "10.0.2.3").Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "dave", "right", host: "10.0.0.9"));
    }

    // A hostile tester's finding: the hosts a name logged in from were known only while the node ran, so after a restart
    // guesses from three loopback addresses spent the name's budget for strangers in 20 s and its owner, on 127.0.0.1
    // like everyone on a single host, was answered 429 for minutes. The journal keeps them now.
    [Fact]
    public void The_hosts_a_name_logged_in_from_are_still_its_own_after_the_node_restarts()
    {
        var before = Accounts();
        Assert.Equal(Codes.Ok, Command(before, "erin", AccountAction.Reserve, "right", host: "10.0.0.9").Code);
        Assert.IsType<ClaimVerified>(Verify(before, "erin", "right", host: "10.0.0.8"));
        Watch(before);
        Sys.Stop(before);
        ExpectTerminated(before, Wait);

        var accounts = Accounts(); // the node restarted: nothing in memory
        var settings = AccountSettings.Create(Sys.Settings.Config);
        for (var i = 0; i < settings.WrongPerNameBurst; i++)
            Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "erin", $"guess{i}", host: $"10.0.1.{i}")).Code);
        Waits(Verify(accounts, "erin", "right", host: "10.0.2.1"), "for 'erin' from hosts it never logged in from");
        // Where it reserved and where it logged in: its own hosts still.
        Assert.IsType<ClaimVerified>(Verify(accounts, "erin", "right", host: "10.0.0.9"));
        Assert.IsType<ClaimVerified>(Verify(accounts, "erin", "right", host: "10.0.0.8"));
    }

    // A new owner of the name does not inherit the hosts the earlier one logged in from.
    [Fact]
    public void After_a_release_and_a_new_reservation_only_the_new_owners_hosts_are_its_own()
    {
        var before = Accounts();
        Assert.Equal(Codes.Ok, Command(before, "gus", AccountAction.Reserve, "old", host: "10.0.0.9").Code);
        Assert.Equal(Codes.Ok, Command(before, "gus", AccountAction.Release, "old", host: "10.0.0.9").Code);
        Assert.Equal(Codes.Ok, Command(before, "gus", AccountAction.Reserve, "new", host: "10.0.0.7").Code);
        Watch(before);
        Sys.Stop(before);
        ExpectTerminated(before, Wait);

        var accounts = Accounts();
        var settings = AccountSettings.Create(Sys.Settings.Config);
        for (var i = 0; i < settings.WrongPerNameBurst; i++)
            Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "gus", $"guess{i}", host: $"10.0.1.{i}")).Code);
        Waits(Verify(accounts, "gus", "new", host: "10.0.0.9"), "for 'gus' from hosts it never logged in from");
        Assert.IsType<ClaimVerified>(Verify(accounts, "gus", "new", host: "10.0.0.7"));
    }

    [Fact]
    public void Wrong_passwords_from_one_host_reach_429_for_every_name()
    {
        var accounts = Accounts();
        var settings = AccountSettings.Create(Sys.Settings.Config);
        for (var i = 0; i <= settings.FailuresBeforePenalty; i++) Command(accounts, $"user{i}", AccountAction.Reserve, "pw", host: "10.0.3.1");
        for (var i = 0; i < settings.FailuresBeforePenalty; i++)
            Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, $"user{i}", "guess", host: "10.0.9.9")).Code);
        // A name it never guessed at: refused unevaluated, as a host spraying guesses over names must be.
        var last = $"user{settings.FailuresBeforePenalty}";
        Assert.Equal(Codes.RateLimited, Assert.IsType<ClaimDenied>(Verify(accounts, last, "pw", host: "10.0.9.9")).Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, last, "pw", host: "10.0.3.1"));
    }

    [Fact]
    public void Password_checks_past_the_nodes_bound_at_once_are_answered_429_unevaluated()
    {
        var settings = AccountSettings.Create(Sys.Settings.Config);
        var accounts = AccountsWithSlowerHashes();
        for (var i = 0; i < settings.MaxConcurrentChecks; i++) Assert.Equal(Codes.Ok, Command(accounts, $"busy{i}", AccountAction.Reserve, "pw").Code);
        // All in the accounts' mailbox before any job can end: the bound is full when the last one is read.
        for (var i = 0; i < settings.MaxConcurrentChecks; i++)
            accounts.Tell(new VerifyClaim(AccountTestConfig.Claim($"busy{i}", TestActor), "pw", $"10.0.0.{10 + i}"));
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("one-more", TestActor), "pw", "10.0.0.2"));
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("guest", TestActor), null, "10.0.0.2")); // no password, no hash
        var answers = ReceiveN(settings.MaxConcurrentChecks + 2, Wait);
        var refused = Assert.Single(answers.OfType<ClaimDenied>());
        Assert.Equal(("one-more", Codes.RateLimited), (refused.Claim.Name, refused.Code));
        Assert.Equal(settings.MaxConcurrentChecks + 1, answers.OfType<ClaimVerified>().Count());
        Assert.IsType<ClaimVerified>(Verify(accounts, "one-more", "pw")); // the bound frees as they end
    }

    // Many clients alternating reserve and release must not keep every login waiting: account commands get half the
    // checks, logins the rest.
    [Fact]
    public void Account_commands_take_at_most_half_the_password_checks_and_a_login_still_goes_through()
    {
        var settings = AccountSettings.Create(Sys.Settings.Config);
        var accounts = AccountsWithSlowerHashes();
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Reserve, "wonderland").Code);
        for (var i = 0; i < settings.MaxConcurrentChecks; i++)
            accounts.Tell(new AccountRequest($"churn{i}", $"10.0.5.{i}", new AccountCommand(i, AccountAction.Reserve, "pw")));
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("alice", TestActor), "wonderland", "10.0.0.9"));
        var answers = ReceiveN(settings.MaxConcurrentChecks + 1, Wait);
        Assert.Equal("alice", Assert.Single(answers.OfType<ClaimVerified>()).Claim.Name);
        var commands = answers.OfType<AccountAnswer>().ToArray();
        Assert.Equal(settings.MaxConcurrentChecks / 2, commands.Count(a => a.Outcome.Code == Codes.Ok));
        Assert.All(commands.Where(a => a.Outcome.Code != Codes.Ok), a => Assert.Equal((Codes.RateLimited, "too many account changes right now; try again shortly"), (a.Outcome.Code, a.Outcome.Error)));
        // A moment's load, which waiting cures: the 429 says when to ask again, so a script's reserve is sent again by
        // itself (hA: four clients reserving at once, two answered 429 and their scripts went on without the name).
        Assert.All(commands.Where(a => a.Outcome.Code != Codes.Ok), a => Assert.Equal(AccountsActor.BusyRetry, a.RetryAfter));
        Assert.All(commands.Where(a => a.Outcome.Code == Codes.Ok), a => Assert.Equal(TimeSpan.Zero, a.RetryAfter));
    }

    [Fact]
    public async Task A_claim_queued_behind_a_failed_write_is_answered_by_a_fresh_account_not_with_503()
    {
        var accounts = Accounts();
        await Journal.OnWrite.Fail();
        // Both reach the same account actor before its write fails; the failure stops it with the claim still queued.
        accounts.Tell(new AccountRequest("erin", "10.0.0.1", new AccountCommand(7, AccountAction.Reserve, "pw")));
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("erin", TestActor), null, "10.0.0.1"));
        var answers = new List<object>
        {
            ExpectMsg<object>(m => m is AccountAnswer or ClaimVerified or ClaimDenied, Wait),
            ExpectMsg<object>(m => m is AccountAnswer or ClaimVerified or ClaimDenied, Wait),
        };
        Assert.Equal(Codes.Unavailable, Assert.Single(answers.OfType<AccountAnswer>()).Outcome.Code);
        Assert.Single(answers.OfType<ClaimVerified>()); // nothing was reserved: erin is a guest's name
        await Journal.OnWrite.Pass();
    }

    [Fact]
    public async Task A_failed_journal_write_answers_503_and_the_account_recovers_as_it_was()
    {
        var accounts = Accounts();
        await Journal.OnWrite.Fail();
        Assert.Equal(Codes.Unavailable, Command(accounts, "erin", AccountAction.Reserve, "pw").Code);
        await Journal.OnWrite.Pass();
        Assert.IsType<ClaimVerified>(Verify(accounts, "erin", null)); // nothing was reserved
        Assert.Equal(Codes.Ok, Command(accounts, "erin", AccountAction.Reserve, "pw").Code);
        Assert.IsType<ClaimDenied>(Verify(accounts, "erin", null));
    }

    [Fact]
    public async Task A_rejected_journal_write_answers_503_and_the_account_goes_on()
    {
        var accounts = Accounts();
        Command(accounts, "frank", AccountAction.Reserve, "old");
        await Journal.OnWrite.Reject();
        Assert.Equal(Codes.Unavailable, Command(accounts, "frank", AccountAction.ChangePassword, "old", "new").Code);
        await Journal.OnWrite.Pass();
        Assert.IsType<ClaimVerified>(Verify(accounts, "frank", "old"));
        Assert.IsType<ClaimDenied>(Verify(accounts, "frank", "new"));
    }

    [Fact]
    public async Task A_recovery_that_fails_answers_503_and_the_next_attempt_recovers()
    {
        var accounts = Accounts();
        Command(accounts, "gina", AccountAction.Reserve, "pw");
        accounts.Tell(new ForgetAccount("gina"));
        await Journal.OnRecovery.Fail();
        Assert.Equal(Codes.Unavailable, Assert.IsType<ClaimDenied>(Verify(accounts, "gina", "pw")).Code);
        await Journal.OnRecovery.Pass();
        Assert.IsType<ClaimVerified>(Verify(accounts, "gina", "pw"));
    }

    [Fact]
    public async Task While_a_write_is_delayed_the_next_job_for_the_name_waits_and_sees_it()
    {
        var accounts = Accounts();
        await Journal.OnWrite.PassWithDelay(TimeSpan.FromMilliseconds(300));
        accounts.Tell(new AccountRequest("hank", "10.0.0.1", new AccountCommand(1, AccountAction.Reserve, "pw")));
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("hank", TestActor), null, "10.0.0.1"));
        Assert.Equal(Codes.Ok, ExpectMsg<AccountAnswer>(Wait).Outcome.Code);
        Assert.Equal(Codes.Forbidden, ExpectMsg<ClaimDenied>(Wait).Code); // reserved by then, not a guest's
    }

    // A node's look-up of the store: which names it was asked about, answering what the store would.
    private sealed class Lookup(Func<string, Task<bool>> answer)
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Asked = new();

        public Task<bool> MayHold(string name)
        {
            Asked.Enqueue(name);
            return answer(name);
        }
    }

    private IActorRef Accounts(Lookup lookup, ReservedNames? reserved = null) =>
        Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), TimeProvider.System, reserved, mayHold: lookup.MayHold));

    [Fact]
    public async Task A_name_the_store_holds_nothing_of_is_a_guests_without_recovering_an_account()
    {
        var lookup = new Lookup(_ => Task.FromResult(false));
        var accounts = Accounts(lookup);
        // A recovery would read the journal, and this one fails every read: the guest never reaches it.
        await Journal.OnRecovery.Fail();
        Assert.Equal("guest", Assert.IsType<ClaimVerified>(Verify(accounts, "guest", null)).Claim.Name);
        Assert.IsType<ClaimVerified>(Verify(accounts, "guest", "anything"));
        Assert.Equal(["guest", "guest"], lookup.Asked);
    }

    [Fact]
    public void A_name_reserved_on_another_node_is_refused_without_its_password_though_this_node_never_saw_it()
    {
        // Another node sharing the store reserved it: this node's own list does not know, the store does.
        var elsewhere = Accounts();
        Assert.Equal(Codes.Ok, Command(elsewhere, "alice", AccountAction.Reserve, "s3cret").Code);
        var accounts = Accounts(new Lookup(name => Task.FromResult(name == "alice")));
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "alice", null)).Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "s3cret"));
    }

    [Fact]
    public void A_look_up_that_fails_or_a_name_this_node_knows_reserved_goes_to_the_account_as_before()
    {
        var elsewhere = Accounts();
        Assert.Equal(Codes.Ok, Command(elsewhere, "bob", AccountAction.Reserve, "pw").Code);
        Assert.Equal(Codes.Ok, Command(elsewhere, "carol", AccountAction.Reserve, "pw").Code);
        var reserved = new ReservedNames();
        reserved.Reserved("carol", 1);
        var lookup = new Lookup(name => name == "bob" ? Task.FromException<bool>(new IOException("disk gone")) : Task.FromResult(false));
        var accounts = Accounts(lookup, reserved);
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "bob", null)).Code);
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "carol", null)).Code); // the store "says" nothing; the node knows better
        Assert.Equal(["bob"], lookup.Asked);
    }

    [Fact]
    public void A_name_that_differs_from_a_reserved_one_only_in_case_can_be_neither_registered_nor_reserved()
    {
        var reserved = new ReservedNames();
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), TimeProvider.System, reserved));
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Reserve, "s3cret").Code);

        foreach (var lookAlike in new[] { "Alice", "ALICE", "aLiCe" })
        {
            var denied = Assert.IsType<ClaimDenied>(Verify(accounts, lookAlike, null));
            Assert.Equal(Codes.Forbidden, denied.Code);
            Assert.Contains("'alice'", denied.Error);
            Assert.IsType<ClaimDenied>(Verify(accounts, lookAlike, "s3cret")); // not hers: her password does not make it so
        }
        Assert.Equal(Codes.NameTaken, Command(accounts, "Alice", AccountAction.Reserve, "other").Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "s3cret"));
        Assert.IsType<ClaimVerified>(Verify(accounts, "alicia", null)); // another name altogether

        // Released, the look-alikes are anyone's again.
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Release, "s3cret").Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "Alice", null));
    }

    // Two reservations of case variants at the same moment: the list learns of the first only once it is written, so
    // the second must be refused by what is in flight, not by the list.
    [Fact]
    public void Of_two_case_variants_reserved_at_the_same_moment_only_one_is_reserved()
    {
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), TimeProvider.System, new ReservedNames()));
        accounts.Tell(new AccountRequest("alice", "10.0.0.1", new AccountCommand(1, AccountAction.Reserve, "one", null)));
        accounts.Tell(new AccountRequest("Alice", "10.0.0.2", new AccountCommand(2, AccountAction.Reserve, "two", null)));
        var answers = new[] { ExpectMsg<AccountAnswer>(Wait), ExpectMsg<AccountAnswer>(Wait) }.ToDictionary(a => a.Id, a => a.Outcome);
        Assert.Equal(Codes.Ok, answers[1].Code);
        Assert.Equal(Codes.NameTaken, answers[2].Code);
        Assert.Contains("'alice'", answers[2].Error);
    }

    // Nodes sharing a registry and a store (a hostile tester reserved carol2 on one node and Carol2 on another within a
    // second, and both were kept): a reserve holds its folded name in the registry, reads the store under the hold, and
    // only then writes; whatever it comes to, the hold is let go after. A probe stands in for the registry.
    [Fact]
    public void A_reserve_holds_its_folded_name_reads_the_store_under_the_hold_and_lets_go_once_decided()
    {
        var registry = CreateTestProbe();
        var inStore = new Dictionary<string, string?> { ["Carol2"] = "carol2" };
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), TimeProvider.System, new ReservedNames(),
            registry: registry.Ref, lookAlike: name => Task.FromResult(inStore.GetValueOrDefault(name))));
        AccountAnswer Reserve(string name, Func<HoldFold, object> registryAnswer)
        {
            accounts.Tell(new AccountRequest(name, "10.0.0.1", new AccountCommand(7, AccountAction.Reserve, "pw", null)));
            var hold = registry.ExpectMsg<HoldFold>(Wait);
            Assert.Equal(name, hold.Name);
            registry.Reply(registryAnswer(hold));
            return ExpectMsg<AccountAnswer>(Wait);
        }
        var handle = new ClaimHandle(3, 42);

        // Reserved through another node, which this node has not heard of: the store says so under the hold.
        var refused = Reserve("Carol2", h => new FoldHeld(h.Ticket, handle));
        Assert.Equal((Codes.NameTaken, "'Carol2' differs only in case from the reserved name 'carol2'; choose another name"),
            (refused.Outcome.Code, refused.Outcome.Error));
        Assert.Equal(handle, registry.ExpectMsg<ReleaseFold>(Wait).Hold);

        // Being reserved through another node right now: the registry refuses the hold, with the holder's name or without.
        Assert.Equal("'cAROL2' differs only in case from the reserved name 'Carol2'; choose another name",
            Reserve("cAROL2", h => new FoldRefused(h.Ticket, Codes.NameTaken, "Carol2")).Outcome.Error);
        Assert.Equal("'cAROL2' differs only in case from a name being reserved right now; choose another name",
            Reserve("cAROL2", h => new FoldRefused(h.Ticket, Codes.NameTaken, null)).Outcome.Error);
        Assert.Equal(Codes.Unavailable, Reserve("cAROL2", h => new FoldRefused(h.Ticket, Codes.Unavailable, null)).Outcome.Code);
        registry.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing held, nothing to let go

        // Nobody else has it: written under the hold, and the hold let go once it is.
        Assert.Equal(Codes.Ok, Reserve("dave", h => new FoldHeld(h.Ticket, handle)).Outcome.Code);
        Assert.Equal(new ReleaseFold(handle, "dave"), registry.ExpectMsg<ReleaseFold>(Wait));
        // Account commands other than a reserve hold nothing.
        Assert.Equal(Codes.Ok, Command(accounts, "dave", AccountAction.Release, "pw").Code);
        registry.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    // Every client of a single host, or behind one NAT, shares its address: one peer's guessing must not keep the others
    // out as guests. What carries a password still waits, guest name or not.
    [Fact]
    public void A_host_that_guessed_too_often_waits_with_a_password_but_its_guests_without_one_do_not()
    {
        var elsewhere = Accounts();
        Assert.Equal(Codes.Ok, Command(elsewhere, "dora", AccountAction.Reserve, "pw").Code);
        var accounts = Accounts(new Lookup(name => Task.FromResult(name == "dora")));
        GuessUntilPenalized(accounts, "dora", "10.0.7.7");

        Assert.IsType<ClaimVerified>(Verify(accounts, "nobody", null, host: "10.0.7.7"));
        var guess = Assert.IsType<ClaimDenied>(Verify(accounts, "nobody", "pw", host: "10.0.7.7"));
        Assert.Equal(Codes.RateLimited, guess.Code);
        Assert.Contains("from this host", guess.Error);
        Assert.DoesNotContain("nobody", guess.Error); // the name never had a wrong password
        // Without a password a reserved name is refused for that (403), not for the host's guesses.
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(accounts, "dora", null, host: "10.0.7.7")).Code);
        Assert.Equal(Codes.RateLimited, Assert.IsType<ClaimDenied>(Verify(accounts, "dora", "pw", host: "10.0.7.7")).Code);
    }

    // The host's count stops a peer spraying guesses over many names; it must not keep out the owners on that host (all
    // of a single host's clients are 127.0.0.1): a name that logged in with its password from a host is held to its own
    // count there, not the host's (a hostile tester's finding: one peer's guess every 5 minutes kept every owner out).
    [Fact]
    public void A_name_that_logged_in_from_a_host_is_held_to_its_own_count_there_not_the_hosts()
    {
        var accounts = Accounts();
        const string host = "10.0.5.5";
        foreach (var name in new[] { "alice", "bob", "carol" }) Assert.Equal(Codes.Ok, Command(accounts, name, AccountAction.Reserve, "pw", host: "10.0.1.1").Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "pw", host));
        GuessUntilPenalized(accounts, "bob", host);

        Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "pw", host));
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.ChangePassword, "pw", "pw2", host).Code);
        // A name that never logged in from there still waits out the host's count.
        Waits(Verify(accounts, "carol", "pw", host), "from this host");
        // And alice's own count still holds her there: guesses at her name are counted and wait as anywhere.
        GuessUntilPenalized(accounts, "alice", host);
        Waits(Verify(accounts, "alice", "pw2", host), "for 'alice'");
    }

    // A hostile tester drove its host's count to the maximum with wrong passwords for its own names, keeping out every
    // owner on the host who had not logged in there yet: a name that logged in (or was reserved) from a host is counted
    // against itself there, not the host.
    [Fact]
    public void Wrong_passwords_for_names_that_logged_in_from_a_host_do_not_count_against_the_host()
    {
        var accounts = Accounts();
        const string host = "10.0.6.6";
        Assert.Equal(Codes.Ok, Command(accounts, "carol", AccountAction.Reserve, "pw", host: "10.0.1.1").Code);
        foreach (var own in new[] { "own1", "own2", "own3" })
        {
            Assert.Equal(Codes.Ok, Command(accounts, own, AccountAction.Reserve, "pw", host: host).Code);
            GuessUntilPenalized(accounts, own, host);
        }
        // Nine wrong passwords from the host, all for its own names: carol, who never logged in there, is not kept out.
        Assert.IsType<ClaimVerified>(Verify(accounts, "carol", "pw", host));
    }

    // Four owned names logging in and out in a loop kept every password check busy (a hostile tester): one name logs in
    // at most logins-per-name, and one host leaves a check to the others.
    [Fact]
    public void A_name_logs_in_at_its_pace_and_one_host_leaves_a_password_check_to_the_others()
    {
        var clock = new ManualClock();
        var settings = AccountSettings.Create(Sys.Settings.Config);
        var accounts = AccountsWithSlowerHashes(clock);
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Reserve, "pw").Code);
        for (var i = 0; i < settings.LoginsPerNameBurst; i++) Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "pw"));
        Waits(Verify(accounts, "alice", "pw"), "too many logins as 'alice'");
        clock.Advance(TimeSpan.FromMinutes(1 / settings.LoginsPerNamePerMinute));
        Assert.IsType<ClaimVerified>(Verify(accounts, "alice", "pw"));

        for (var i = 0; i < settings.MaxConcurrentChecks; i++) Assert.Equal(Codes.Ok, Command(accounts, $"loop{i}", AccountAction.Reserve, "pw", host: $"10.0.7.{i}").Code);
        Assert.Equal(Codes.Ok, Command(accounts, "bob", AccountAction.Reserve, "pw").Code);
        for (var i = 0; i < settings.MaxConcurrentChecks; i++)
            accounts.Tell(new VerifyClaim(AccountTestConfig.Claim($"loop{i}", TestActor), "pw", "10.0.8.8"));
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("bob", TestActor), "pw", "10.0.0.1"));
        var answers = ReceiveN(settings.MaxConcurrentChecks + 1, Wait);
        var refused = Assert.Single(answers.OfType<ClaimDenied>());
        Assert.Contains("from this host", refused.Error);
        Assert.Contains(answers.OfType<ClaimVerified>(), v => v.Claim.Name == "bob");
    }

    // One peer reserved 256 throwaway names in 46 s (a hostile tester): each is kept for good and is a sender with a
    // reserved name's share of other people's inboxes. New reservations are bounded per host; what is refused for
    // another reason costs nothing, and the budget refills with time.
    [Fact]
    public void New_reservations_from_one_host_are_bounded_and_the_budget_refills()
    {
        var clock = new ManualClock();
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config) with { ReservesPerHostPerHour = 60, ReservesPerHostBurst = 2 }, clock));
        const string host = "10.0.6.6";
        Assert.Equal(Codes.Ok, Command(accounts, "squat1", AccountAction.Reserve, "pw", host: host).Code);
        Assert.Equal(Codes.NameTaken, Command(accounts, "squat1", AccountAction.Reserve, "pw", host: host).Code); // costs nothing
        Assert.Equal(Codes.Ok, Command(accounts, "squat2", AccountAction.Reserve, "pw", host: host).Code);

        var refused = Command(accounts, "squat3", AccountAction.Reserve, "pw", host: host);
        Assert.Equal(Codes.RateLimited, refused.Code);
        Assert.Contains("new reservations from this host", refused.Error);
        Assert.Equal(Codes.Ok, Command(accounts, "elsewhere", AccountAction.Reserve, "pw", host: "10.0.6.7").Code);
        // Other account commands from the host are not reservations.
        Assert.Equal(Codes.Ok, Command(accounts, "squat1", AccountAction.Release, "pw", host: host).Code);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(Codes.Ok, Command(accounts, "squat3", AccountAction.Reserve, "pw", host: host).Code);
        Assert.Equal(Codes.RateLimited, Command(accounts, "squat4", AccountAction.Reserve, "pw", host: host).Code);
    }

    // A change of the name's owner made elsewhere (another node sharing the data directory; this node is told by its
    // watch or at a login) ends what its earlier logins from a host were worth there (a hostile tester's finding).
    [Fact]
    public void A_change_of_owner_told_by_another_node_ends_the_names_standing_at_a_host()
    {
        var accounts = Accounts();
        const string host = "10.0.8.8";
        foreach (var name in new[] { "carol", "bob" }) Assert.Equal(Codes.Ok, Command(accounts, name, AccountAction.Reserve, "pw", host: "10.0.1.1").Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "carol", "pw", host));

        Sys.EventStream.Publish(new ReservationChanged("carol"));
        GuessUntilPenalized(accounts, "bob", host);

        Waits(Verify(accounts, "carol", "guess", host), "from this host");
    }

    // In a cluster another node's reservation reaches this one by its notice (ReservationHeard), not by a recovery here.
    [Fact]
    public void A_change_of_owner_heard_from_another_cluster_node_ends_the_names_standing_at_a_host()
    {
        var accounts = Accounts();
        const string host = "10.0.8.9";
        foreach (var name in new[] { "carol", "bob" }) Assert.Equal(Codes.Ok, Command(accounts, name, AccountAction.Reserve, "pw", host: "10.0.1.1").Code);
        Assert.IsType<ClaimVerified>(Verify(accounts, "carol", "pw", host));

        Sys.EventStream.Publish(new ReservationHeard("carol"));
        GuessUntilPenalized(accounts, "bob", host);

        Waits(Verify(accounts, "carol", "guess", host), "from this host");
    }

    // Two reserves of one host hashing at the same moment must not both pass when one reservation is left.
    [Fact]
    public void Reserves_of_one_host_still_being_hashed_count_against_its_budget()
    {
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config) with { ReservesPerHostPerHour = 1, ReservesPerHostBurst = 1 }, new ManualClock()));
        accounts.Tell(new AccountRequest("first", "10.0.9.1", new AccountCommand(1, AccountAction.Reserve, "pw", null)));
        accounts.Tell(new AccountRequest("second", "10.0.9.1", new AccountCommand(2, AccountAction.Reserve, "pw", null)));
        var answers = new[] { ExpectMsg<AccountAnswer>(Wait), ExpectMsg<AccountAnswer>(Wait) }.ToDictionary(a => a.Id, a => a.Outcome.Code);
        Assert.Equal(Codes.Ok, answers[1]);
        Assert.Equal(Codes.RateLimited, answers[2]);
    }
}
