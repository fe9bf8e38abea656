using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// A name entity's hand-over to a reconnecting client (<see cref="NameEntityActor"/>): a claim that presents the key of
/// the owner's session (the digest of the capability its client was told) takes the name at once, and the owner's node
/// hears it lost; any other claim (no key, a wrong one, a key already used) is refused as before. Before, a guest whose
/// node was killed waited for the cluster to down that node (~12 s) or for its claim to time out before it had its own
/// name back, because the entity still held the killed node's claim.
/// </summary>
public sealed class NameHandoverSpecs : TestKit
{
    private const string NodeA = "127.0.0.1:4053", NodeB = "127.0.0.2:4053", NodeC = "127.0.0.3:4053";
    private readonly TestProbe _a, _b, _c;
    private readonly IActorRef _entity;

    public NameHandoverSpecs()
    {
        (_a, _b, _c) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        // Recovery (taking only re-asserts) lasts a moment: the specs start from a held name, learnt by a re-assert.
        _entity = Sys.ActorOf(NameEntityActor.Props(TimeSpan.FromMilliseconds(1)));
    }

    private static ClaimKey Key(string capability) => ClaimKey.Of(capability);

    private static readonly string Old = Capability.NewName("s-"), New = Capability.NewName("s-"), Other = Capability.NewName("s-");

    // alice's session on node A (token 1), its key learnt by the entity.
    private void HeldByA()
    {
        _entity.Tell(new NameClaim("alice", NodeA, 1, _a.Ref, Reassert: true, Key(Old)));
        Assert.Equal(NameVerdict.Granted, _a.ExpectMsg<NameAnswer>().Verdict);
    }

    private NameVerdict Answer(TestProbe probe, long token)
    {
        var answer = probe.ExpectMsg<NameAnswer>();
        Assert.Equal(("alice", token), (answer.Name, answer.Token));
        return answer.Verdict;
    }

    [Fact]
    public void A_claim_presenting_the_owners_key_is_granted_at_once_and_the_owners_node_hears_it_lost()
    {
        HeldByA();

        _entity.Tell(new NameClaim("alice", NodeB, 2, _b.Ref, Reassert: false, Key(New), Presented: Key(Old)));

        Assert.Equal(NameVerdict.Lost, Answer(_a, 1));
        Assert.Equal(NameVerdict.Granted, Answer(_b, 2));
        // B owns it now: A's re-assert is told it lost, B's is granted, a newcomer is refused.
        _entity.Tell(new NameClaim("alice", NodeA, 1, _a.Ref, Reassert: true, Key(Old)));
        Assert.Equal(NameVerdict.Lost, Answer(_a, 1));
        _entity.Tell(new NameClaim("alice", NodeB, 2, _b.Ref, Reassert: true, Key(New)));
        Assert.Equal(NameVerdict.Granted, Answer(_b, 2));
        _entity.Tell(new NameClaim("alice", NodeC, 3, _c.Ref, Reassert: false, Key(Other)));
        Assert.Equal(NameVerdict.Taken, Answer(_c, 3));
    }

    [Fact]
    public void A_claim_presenting_no_key_or_a_wrong_one_is_refused_and_the_owner_keeps_the_name()
    {
        HeldByA();

        _entity.Tell(new NameClaim("alice", NodeB, 2, _b.Ref, Reassert: false, Key(New)));
        Assert.Equal(NameVerdict.Taken, Answer(_b, 2));
        _entity.Tell(new NameClaim("alice", NodeB, 3, _b.Ref, Reassert: false, Key(New), Presented: Key(Other)));
        Assert.Equal(NameVerdict.Taken, Answer(_b, 3));
        // Its own key as the new session's, presented: still the wrong one.
        _entity.Tell(new NameClaim("alice", NodeB, 4, _b.Ref, Reassert: false, Key(New), Presented: Key(New)));
        Assert.Equal(NameVerdict.Taken, Answer(_b, 4));

        _a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _entity.Tell(new NameClaim("alice", NodeA, 1, _a.Ref, Reassert: true, Key(Old)));
        Assert.Equal(NameVerdict.Granted, Answer(_a, 1));
    }

    [Fact]
    public void A_key_takes_the_name_once_a_replay_of_it_after_the_hand_over_is_refused()
    {
        HeldByA();
        _entity.Tell(new NameClaim("alice", NodeB, 2, _b.Ref, Reassert: false, Key(New), Presented: Key(Old)));
        Assert.Equal(NameVerdict.Lost, Answer(_a, 1));
        Assert.Equal(NameVerdict.Granted, Answer(_b, 2));

        // The same capability presented again, from another node (a copy of the reconnect's Register): the owner's key is
        // the new session's now.
        _entity.Tell(new NameClaim("alice", NodeC, 3, _c.Ref, Reassert: false, Key(Other), Presented: Key(Old)));
        Assert.Equal(NameVerdict.Taken, Answer(_c, 3));
        _b.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_owner_that_sent_no_key_and_a_re_assert_that_presents_one_hand_nothing_over()
    {
        // A node that sends no key (an older one): nothing matches its claim.
        _entity.Tell(new NameClaim("alice", NodeA, 1, _a.Ref, Reassert: true));
        Assert.Equal(NameVerdict.Granted, Answer(_a, 1));
        _entity.Tell(new NameClaim("alice", NodeB, 2, _b.Ref, Reassert: false, Key(New), Presented: Key(Old)));
        Assert.Equal(NameVerdict.Taken, Answer(_b, 2));

        // A re-assert repeats a claim; it takes nothing, whatever it presents.
        _entity.Tell(new NameClaim("alice", NodeA, 1, _a.Ref, Reassert: true, Key(Old)));
        Assert.Equal(NameVerdict.Granted, Answer(_a, 1));
        _entity.Tell(new NameClaim("alice", NodeC, 3, _c.Ref, Reassert: true, Key(Other), Presented: Key(Old)));
        Assert.Equal(NameVerdict.Lost, Answer(_c, 3));
        _a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_hand_over_on_the_owners_own_node_keeps_watching_that_node_and_frees_the_name_when_it_goes()
    {
        var inbox = CreateTestProbe();
        _entity.Tell(new NameClaim("alice", NodeA, 1, inbox.Ref, Reassert: true, Key(Old)));
        Assert.Equal(NameVerdict.Granted, Answer(inbox, 1));
        _entity.Tell(new NameClaim("alice", NodeA, 2, inbox.Ref, Reassert: false, Key(New), Presented: Key(Old)));
        Assert.Equal(NameVerdict.Lost, Answer(inbox, 1));
        Assert.Equal(NameVerdict.Granted, Answer(inbox, 2));

        // The node goes: the name is free for anyone.
        Sys.Stop(inbox.Ref);
        AwaitAssert(() =>
        {
            _entity.Tell(new NameClaim("alice", NodeB, 3, _b.Ref, Reassert: false, Key(Other)));
            Assert.Equal(NameVerdict.Granted, _b.ExpectMsg<NameAnswer>().Verdict);
        }, TimeSpan.FromSeconds(10));
    }
}
