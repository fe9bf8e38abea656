using Akka.Actor;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// A DM to a reserved name is held for it whenever it has no session, also while someone is logging in as it (the name
/// is claimed on this node before its password is checked, and that takes a while on purpose): a hostile tester
/// trying wrong passwords for carol in a loop had a tenth of bob's DMs to her answered 404 "not online", kept nowhere.
/// </summary>
public sealed class HoldDuringLoginSpecs : ProbeStoreFixture
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TestProbe _accounts = null!;

    // The accounts answer when the spec says: bob's registration is let through, alice's password check never ends.
    protected override IActorRef? Accounts() => (_accounts = CreateTestProbe()).Ref;

    [Fact]
    public void A_DM_to_a_reserved_name_being_logged_into_is_held_not_refused()
    {
        var bob = CreateTestProbe();
        Gateway.Tell(new Register("bob"), bob.Ref);
        var check = _accounts.ExpectMsg<VerifyClaim>(Wait);
        _accounts.Reply(new ClaimVerified(check.Claim));
        var b = bob.ExpectMsg<Registered>(Wait).Session;

        // Someone logs in as alice: her name is claimed here, and her password is being checked.
        Gateway.Tell(new Register("alice", null, "a-guess"), CreateTestProbe().Ref);
        Assert.Equal("alice", _accounts.ExpectMsg<VerifyClaim>(Wait).Claim.Name);

        KeptThenHeldForAlice(bob, b, id: 1, msgId: 5, Wait);
    }
}
