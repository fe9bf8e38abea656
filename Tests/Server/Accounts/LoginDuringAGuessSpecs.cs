using Akka.TestKit;
using Switchboard.Server.Gateway;
using Switchboard.Tests.Server.Sessions;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// A name is claimed for a registration before its password is checked, and the check takes a while on purpose. The
/// owner logging in meanwhile heard 409 "taken" for a name nobody was logged in as (a hostile tester: 27 of 27
/// attempts, while a guesser on another host tried passwords for it). Others' registrations wait for the check now.
/// </summary>
public sealed class LoginDuringAGuessSpecs : ProbeStoreFixture
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TestProbe _accounts = null!;

    protected override Akka.Actor.IActorRef? Accounts() => (_accounts = CreateTestProbe()).Ref;

    [Fact]
    public void The_owner_registering_while_a_guess_at_her_name_is_checked_is_checked_next_instead_of_refused()
    {
        var (guesser, owner) = (CreateTestProbe(), CreateTestProbe());
        Gateway.Tell(new Register("alice", null, "a-guess"), guesser.Ref);
        var guess = _accounts.ExpectMsg<VerifyClaim>(Wait);
        Gateway.Tell(new Register("alice", null, "her-password"), owner.Ref);
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // not 409: she waits for the guess

        _accounts.Reply(new ClaimDenied(guess.Claim, Codes.Forbidden, "wrong password for 'alice'"));
        Assert.Equal(Codes.Forbidden, guesser.ExpectMsg<Rejected>(Wait).Code);
        var hers = _accounts.FishForMessage<VerifyClaim>(_ => true, Wait); // after the guesser's ForgetAccount
        Assert.Equal((owner.Ref, "her-password"), (hers.Claim.Client, hers.Password));
        _accounts.Reply(new ClaimVerified(hers.Claim));
        owner.ExpectMsg<Registered>(Wait);
    }

    [Fact]
    public void Registrations_waiting_on_a_check_that_keeps_the_name_hear_409_and_each_wrong_one_hands_it_on_in_order()
    {
        var (first, second, third) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        Gateway.Tell(new Register("alice", null, "one"), first.Ref);
        var check = _accounts.ExpectMsg<VerifyClaim>(Wait);
        Gateway.Tell(new Register("alice", null, "two"), second.Ref);
        Gateway.Tell(new Register("alice", null, "three"), third.Ref);
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        _accounts.Reply(new ClaimDenied(check.Claim, Codes.Forbidden, "wrong password for 'alice'"));
        first.ExpectMsg<Rejected>(Wait);
        check = _accounts.FishForMessage<VerifyClaim>(_ => true, Wait);
        Assert.Equal(second.Ref, check.Claim.Client); // the first that waited, and the third still waits
        third.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        _accounts.Reply(new ClaimVerified(check.Claim));
        second.ExpectMsg<Registered>(Wait);
        Assert.Equal(Codes.NameTaken, third.ExpectMsg<Rejected>(Wait).Code);
        _accounts.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // the third's password is never looked at
    }

    [Fact]
    public void Past_the_bound_a_registration_for_a_name_being_checked_hears_409_at_once()
    {
        Gateway.Tell(new Register("alice", null, "a-guess"), CreateTestProbe().Ref);
        _accounts.ExpectMsg<VerifyClaim>(Wait);
        for (var i = 0; i < LoginQueues.MaxWaiting; i++) Gateway.Tell(new Register("alice", null, $"guess-{i}"), CreateTestProbe().Ref);
        var late = CreateTestProbe();
        Gateway.Tell(new Register("alice", null, "late"), late.Ref);
        Assert.Equal(Codes.NameTaken, late.ExpectMsg<Rejected>(Wait).Code);
    }
}
