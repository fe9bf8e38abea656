using Akka.Actor;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// The sessions' directory of other nodes' clients (<see cref="NodeDirectory"/>), as the registry keeps it from the
/// rosters (<see cref="Rosters"/>): a name is sent to the inbox of the node whose latest roster lists it, and only to
/// an inbox on that member's own node-side address; a name that left, moved or whose node is gone follows.
/// </summary>
public sealed class NodeDirectorySpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Here = "127.0.0.1:4053", B = "127.0.0.2:4053", C = "127.0.0.3:4053";
    private readonly NodeDirectory _directory = new(Here);
    private readonly RelayBook _relays = new(expireAfterTicks: 10);
    private readonly TestProbe _ours, _b, _c, _session;
    private readonly Rosters _rosters;

    public NodeDirectorySpecs() : base(ActorTestConfig.TimeFactorConfig)
    {
        (_ours, _b, _c, _session) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        _rosters = new Rosters(Here, _directory);
        // Probes of one system share its address: each member's inbox is on the member's address.
        _rosters.MemberSeen(B, _b.Ref.Path.Address);
        _rosters.MemberSeen(C, _c.Ref.Path.Address);
        _directory.Attach(_ours.Ref, _relays);
    }

    private static NodeRoster Roster(string node, long version, IActorRef? inbox, params string[] names) =>
        new(node, version, [.. names.Select(n => new RosterEntry(n, 0, 1))], inbox);

    private bool Send(string to, long id = 1) => _directory.TrySend(_session.Ref, id, "alice", to, "hi", 0, 0);

    private Deliver Sent(TestProbe inbox)
    {
        var relayed = inbox.ExpectMsg<Relayed>();
        Assert.Equal((Here, _ours.Ref), (relayed.Origin, inbox.LastSender));
        return Assert.IsType<Deliver>(relayed.Inner);
    }

    [Fact]
    public void A_name_a_members_roster_lists_is_sent_to_that_members_inbox_with_this_nodes_inbox_to_answer()
    {
        _rosters.Apply(Roster(B, 1, _b.Ref, "bob"));
        Assert.True(Send("bob", id: 7));
        var deliver = Sent(_b);
        Assert.Equal(("alice", "bob", "hi", _ours.Ref), (deliver.From, deliver.To, deliver.Text, deliver.ReplyTo));
        Assert.True(_relays.Answer(new Delivered(deliver.Id, Codes.Ok, null)));
        Assert.Equal(7L, _session.ExpectMsg<Delivered>().Id);
        Assert.False(Send("zed")); // nobody's roster has zed: the registry answers
    }

    [Fact]
    public void A_name_that_left_moved_or_whose_node_is_gone_follows_the_rosters()
    {
        _rosters.Apply(Roster(B, 1, _b.Ref, "bob", "carol"));
        _rosters.Apply(Roster(B, 2, _b.Ref, "carol"));
        Assert.False(Send("bob"));
        // carol moves to C; B's roster without her, arriving after C's, does not take her from C.
        _rosters.Apply(Roster(C, 1, _c.Ref, "carol"));
        _rosters.Apply(Roster(B, 3, _b.Ref));
        Assert.True(Send("carol"));
        Sent(_c);
        _rosters.MemberGone(C, out _);
        Assert.False(Send("carol"));
        _b.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_older_roster_or_one_of_a_node_that_is_not_a_member_changes_nothing()
    {
        _rosters.Apply(Roster(B, 5, _b.Ref, "bob"));
        _rosters.Apply(Roster(B, 4, _b.Ref));
        Assert.True(Send("bob"));
        Sent(_b);
        _rosters.Apply(Roster("127.0.0.9:4053", 1, _b.Ref, "mallory"));
        Assert.False(Send("mallory"));
    }

    [Fact]
    public void An_inbox_off_the_members_own_address_or_none_is_not_sent_to_and_a_roster_that_drops_it_withdraws_its_names()
    {
        var elsewhere = new Address("akka.ssl.tcp", "switchboard", "127.0.0.7", 4054);
        var rosters = new Rosters(Here, _directory);
        rosters.MemberSeen("127.0.0.7:4053", elsewhere);
        rosters.Apply(Roster("127.0.0.7:4053", 1, _c.Ref, "dave")); // _c is not at 127.0.0.7:4054
        Assert.False(Send("dave"));
        Assert.Equal("127.0.0.7:4053", rosters.NodeOf("dave")); // still online: the registry routes it
        _rosters.Apply(Roster(B, 1, _b.Ref, "bob"));
        _rosters.Apply(Roster(B, 2, null, "bob"));
        Assert.False(Send("bob"));
        _c.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_member_cannot_answer_a_DM_relayed_to_another_member_by_guessing_its_relay_id_from_its_own()
    {
        _rosters.Apply(Roster(B, 1, _b.Ref, "bob"));
        _rosters.Apply(Roster(C, 1, _c.Ref, "carol"));
        var dave = CreateTestProbe();
        Assert.True(_directory.TrySend(dave.Ref, 5, "dave", "carol", "for C only", 0, 0));
        Assert.True(Send("bob", id: 7));
        var toC = Sent(_c);
        var toB = Sent(_b);
        // B (hostile) knows the one relay id it was sent, and this node's inbox (every roster names it); an answer is
        // unsigned and carries no sender. What it may answer is what it was sent, nothing near it.
        foreach (var guess in new[] { toB.Id - 1, toB.Id + 1, toB.Id - 2, toB.Id + 2, 0, 1, 2, 3 })
            if (guess != toB.Id) Assert.False(_relays.Answer(new Delivered(guess, Codes.Ok, null)), $"relay {guess} answered by B");
        dave.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.True(_relays.Answer(new Delivered(toC.Id, Codes.NotOnline, "carol is not online")));
        Assert.Equal((5L, Codes.NotOnline), dave.ExpectMsg<Delivered>() is var d ? (d.Id, d.Code) : default);
        Assert.True(_relays.Answer(new Delivered(toB.Id, Codes.Ok, null)));
        Assert.Equal(7L, _session.ExpectMsg<Delivered>().Id);
    }

    [Fact]
    public void Nothing_is_sent_before_the_inbox_is_attached_or_after_it_is_detached()
    {
        var directory = new NodeDirectory(Here);
        var rosters = new Rosters(Here, directory);
        rosters.MemberSeen(B, _b.Ref.Path.Address);
        rosters.Apply(Roster(B, 1, _b.Ref, "bob"));
        Assert.False(directory.TrySend(_session.Ref, 1, "alice", "bob", "hi", 0, 0));
        directory.Attach(_ours.Ref, _relays);
        Assert.True(directory.TrySend(_session.Ref, 1, "alice", "bob", "hi", 0, 0));
        directory.Detach();
        Assert.False(directory.TrySend(_session.Ref, 1, "alice", "bob", "hi", 0, 0));
        Sent(_b);
        _b.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
