using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Registry;

/// <summary>
/// The registry core (<see cref="RegistryActor"/>) against each backend: the same specs run once over the segment
/// (<see cref="SegmentRegistrySpecs"/>) and once over the cluster's shards, leases and pub-sub, with probes standing in
/// for them (<see cref="ClusterRegistrySpecs"/>). Probes also stand in for this node's gateway and rooms. Time is the
/// spec's: the registry ticks only when told (<see cref="MaintainNow"/>).
/// </summary>
public abstract class RegistrySpecs(Config config) : TestKit(config.WithFallback(ActorTestConfig.TimeFactorConfig), "switchboard")
{
    protected const string DoorName = "node-testkey";

    protected readonly ServerSummary Summary = new();

    /// <summary>What the registry tells this node's gateway (/user/gateway) and rooms (/user/rooms).</summary>
    protected TestProbe Gateway { get; private set; } = null!;
    protected TestProbe Rooms { get; private set; } = null!;

    /// <summary>The segment's door for other nodes: a child of this node's gateway.</summary>
    protected TestProbe Door { get; private set; } = null!;

    /// <summary>Where claims are answered (the gateway's role in a claim).</summary>
    protected TestProbe Claims { get; private set; } = null!;

    protected IActorRef Registry { get; private set; } = null!;

    /// <summary>This node's address and another node's.</summary>
    protected abstract string Here { get; }
    protected abstract string There { get; }

    /// <summary>The registry over this backend, on a system where /user/gateway and /user/rooms exist.</summary>
    protected abstract IActorRef CreateRegistry();

    /// <summary>What the name's single writer decides about the claim just sent (the segment decides by itself).</summary>
    protected abstract void Decide(string name, bool granted);

    /// <summary>What the single writer of <paramref name="name"/>'s folded form decides about the hold just asked for.</summary>
    protected abstract void DecideFold(string name, bool granted);

    /// <summary>The hold of <paramref name="name"/>'s folded form was let go where every node sees it.</summary>
    protected abstract void FoldLetGo(string name);

    /// <summary><paramref name="name"/> registers on the other node; the registry knows when this returns.</summary>
    protected abstract void OnlineThere(string name);

    /// <summary>Where other nodes answer this node's relays (the door, the inbox).</summary>
    protected abstract IActorRef NodeReplyAddress { get; }

    protected abstract Deliver ExpectDeliverThere();
    protected abstract Fanout ExpectFanoutThere();

    /// <summary>Another node's answer, through the channel node traffic takes.</summary>
    protected abstract void FromThere(object answer);

    /// <summary>The claim is lost behind the registry's back (reaped; granted elsewhere); the registry knows when this returns.</summary>
    protected abstract void LoseClaim(string name, ClaimHandle claim);

    /// <summary>The backend cannot decide the next claim; returns the 503's words.</summary>
    protected abstract string BreakNextClaim();

    protected (ClaimHandle Claim, SeqPair Seq, TestProbe Client, ReplyCounter Counter) Start(string name = "alice")
    {
        Gateway = CreateTestProbe();
        Rooms = CreateTestProbe();
        Claims = CreateTestProbe();
        Door = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(Gateway.Ref, DoorName, Door.Ref)), "gateway");
        Sys.ActorOf(Props.Create(() => new Forwarder(Rooms.Ref, null, null)), "rooms");
        Registry = CreateRegistry();
        return Register(name);
    }

    protected (ClaimHandle Claim, SeqPair Seq, TestProbe Client, ReplyCounter Counter) Register(string name)
    {
        var client = CreateTestProbe();
        Registry.Tell(new ClaimName(name, client.Ref), Claims.Ref);
        Decide(name, granted: true);
        var claimed = Claims.ExpectMsg<NameClaimed>();
        Assert.Equal((name, client.Ref), (claimed.Name, claimed.Client));
        Registry.Tell(new ClaimServed(claimed.Claim, name), Claims.Ref); // as the gateway does once the session started
        return (claimed.Claim, claimed.Seq, client, claimed.Counter);
    }

    /// <summary>One reply numbered by a session's counter, as the session does on its own thread.</summary>
    protected static SeqPair Count(ReplyCounter counter)
    {
        Span<SeqPair> seq = stackalloc SeqPair[1];
        Assert.Equal(Counting.Counted, counter.TryCount(seq));
        return seq[0];
    }

    [Fact]
    public void A_claim_is_granted_as_reply_one_and_a_second_claim_of_the_name_is_refused_409()
    {
        var (_, seq, _, _) = Start();
        Assert.Equal(1, seq.ClientSeq);
        var other = CreateTestProbe();
        Registry.Tell(new ClaimName("alice", other.Ref), Claims.Ref);
        Decide("alice", granted: false);
        var refused = Claims.ExpectMsg<NameRefused>();
        Assert.Equal(("alice", other.Ref, Codes.NameTaken, "name 'alice' is already taken"), (refused.Name, refused.Client, refused.Code, refused.Error));
    }

    [Fact]
    public void Each_session_numbers_its_replies_per_client_and_in_server_order_without_the_registry()
    {
        var (_, first, _, alice) = Start();
        var (_, bobFirst, _, bob) = Register("bob");
        Assert.Equal(first.ServerSeq + 1, bobFirst.ServerSeq);
        var a1 = Count(alice);
        var b1 = Count(bob);
        var a2 = Count(alice);
        Assert.Equal([2L, 2L, 3L], [a1.ClientSeq, b1.ClientSeq, a2.ClientSeq]);
        Assert.Equal([bobFirst.ServerSeq + 1, bobFirst.ServerSeq + 2, bobFirst.ServerSeq + 3], [a1.ServerSeq, b1.ServerSeq, a2.ServerSeq]);
        Assert.Equal(2, alice.Requests);
    }

    [Fact]
    public void A_batch_is_numbered_in_one_step_with_consecutive_numbers()
    {
        var (_, first, _, alice) = Start();
        var batch = new SeqPair[3];
        Assert.Equal(Counting.Counted, alice.TryCount(batch));
        Assert.Equal([2L, 3L, 4L], batch.Select(r => r.ClientSeq));
        Assert.Equal([first.ServerSeq + 1, first.ServerSeq + 2, first.ServerSeq + 3], batch.Select(r => r.ServerSeq));
        Assert.Equal(5, Count(alice).ClientSeq);
    }

    [Fact]
    public void Releasing_a_name_records_the_clients_requests_and_its_counter_counts_nothing_more()
    {
        var (claim, _, _, alice) = Start();
        Count(alice);
        Count(alice);
        Registry.Tell(new ReleaseName(claim, "alice", "unregistered"));
        AwaitCondition(() => Summary.Sessions.Count == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { ("alice", 2L) }, Summary.Sessions.Select(x => (x.Name, x.Requests)));
        // The name is free again, and the old claim counts nothing any more.
        var (_, again, _, _) = Register("alice");
        Assert.Equal(1, again.ClientSeq);
        Registry.Tell(new ReleaseName(claim, "alice", "stale"));
        Assert.Equal(Counting.Lost, alice.TryCount(new SeqPair[1]));
        Register("zed"); // the stale release was handled (the registry answers in order)
        Assert.Single(Summary.Sessions);
    }

    // Two nodes once reserved carol2 and Carol2 at the same moment, and both were kept: a reserve's folded name is
    // held for one reserve at a time, is nobody online, and is free again once let go.
    [Fact]
    public void A_reserves_folded_name_is_held_for_one_reserve_at_a_time_and_is_no_client()
    {
        Start();
        var accounts = CreateTestProbe();
        Registry.Tell(new HoldFold(1, "carol2"), accounts.Ref);
        DecideFold("carol2", granted: true);
        var held = accounts.ExpectMsg<FoldHeld>();
        Assert.Equal(1, held.Ticket);

        Registry.Tell(new HoldFold(2, "Carol2"), accounts.Ref);
        DecideFold("Carol2", granted: false);
        var refused = accounts.ExpectMsg<FoldRefused>();
        Assert.Equal((2L, Codes.NameTaken), (refused.Ticket, refused.Code));
        Assert.True(refused.Holder is null or "carol2", refused.Holder);

        Registry.Tell(new WhoQuery(7, null));
        Assert.Equal(["alice"], ExpectMsg<WhoList>().Clients.Select(c => c.Name));

        Registry.Tell(new ReleaseFold(held.Hold, "carol2"), accounts.Ref);
        FoldLetGo("carol2");
        Registry.Tell(new HoldFold(3, "Carol2"), accounts.Ref);
        DecideFold("Carol2", granted: true);
        Assert.Equal(3, accounts.ExpectMsg<FoldHeld>().Ticket);
    }

    [Fact]
    public void Who_lists_everyone_on_every_node_by_name_to_the_session_that_asked()
    {
        Start("carol");
        OnlineThere("bob");
        Register("alice");
        Registry.Tell(new WhoQuery(7, new Dictionary<string, long> { ["bob"] = 3 }));
        var who = ExpectMsg<WhoList>();
        Assert.Equal(7L, who.Id);
        Assert.Equal([("alice", Here, (long?)null), ("bob", There, 3L), ("carol", Here, null)], who.Clients.Select(c => (c.Name, c.Node, c.Unread)));
    }

    [Fact]
    public void A_DM_to_a_local_client_goes_to_this_gateway_with_the_senders_session()
    {
        Start();
        Register("bob");
        var session = CreateTestProbe();
        Registry.Tell(new RouteTell(3, "alice", "bob", "hi", session.Ref));
        var deliver = Gateway.FishForMessage<Deliver>(_ => true);
        Assert.Equal((3L, "alice", "bob", "hi", session.Ref), (deliver.Id, deliver.From, deliver.To, deliver.Text, deliver.ReplyTo));
    }

    [Fact]
    public void A_DM_to_another_node_carries_a_relay_id_and_the_node_address_and_its_answer_reaches_the_session()
    {
        Start();
        OnlineThere("bob");
        var session = CreateTestProbe();
        Registry.Tell(new RouteTell(42, "alice", "bob", "hi", session.Ref));
        var deliver = ExpectDeliverThere();
        Assert.Equal(("alice", "bob", "hi", NodeReplyAddress), (deliver.From, deliver.To, deliver.Text, deliver.ReplyTo));
        Assert.NotEqual(session.Ref, deliver.ReplyTo);
        FromThere(new Delivered(deliver.Id, Codes.Ok, null));
        Assert.Equal((42L, Codes.Ok), session.ExpectMsg<Delivered>() is var d ? (d.Id, d.Code) : default);
        FromThere(new Delivered(deliver.Id, Codes.Ok, null)); // answered once only
        FromThere(new Delivered(deliver.Id + 1000, Codes.Ok, null)); // and a relay never made reaches nobody
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_DM_to_nobody_online_is_answered_404()
    {
        Start();
        var session = CreateTestProbe();
        Registry.Tell(new RouteTell(5, "alice", "zed", "hi", session.Ref));
        var r = session.ExpectMsg<RouteResult>();
        Assert.Equal((5L, Codes.NotOnline, "zed is not online"), (r.Id, r.Code, r.Error));
    }

    [Fact]
    public void A_broadcast_reaches_this_gateway_and_the_other_nodes_and_their_drop_notices_reach_the_sender()
    {
        Start();
        Register("carol");
        OnlineThere("bob");
        var session = CreateTestProbe();
        Registry.Tell(new RouteFanout(6, "alice", null, "hello all", session.Ref));
        var result = session.ExpectMsg<RouteResult>();
        Assert.Equal((6L, Codes.Ok, 2L), (result.Id, result.Code, result.Recipients));
        Assert.Equal(session.Ref, Gateway.FishForMessage<Fanout>(_ => true).ReplyTo);
        var relayed = ExpectFanoutThere();
        Assert.Equal(("alice", "hello all", NodeReplyAddress), (relayed.From, relayed.Text, relayed.ReplyTo));
        FromThere(new FanoutDropped("alice", "bob", "bob is not keeping up; message dropped"));
        Assert.Equal("bob", session.ExpectMsg<FanoutDropped>().To);
    }

    [Fact]
    public void A_room_message_goes_to_this_nodes_rooms()
    {
        Start();
        var session = CreateTestProbe();
        Registry.Tell(new RouteFanout(9, "alice", "lobby", "hi room", session.Ref));
        Assert.Equal((Codes.Ok, 0L, "lobby"), session.ExpectMsg<RouteResult>() is var r ? (r.Code, r.Recipients, r.Room) : default);
        Assert.Equal(("lobby", session.Ref), Rooms.ExpectMsg<Fanout>() is var f ? (f.Room, f.ReplyTo) : default);
    }

    [Fact]
    public void A_claim_the_backend_cannot_decide_is_refused_503_and_the_next_one_is_granted()
    {
        Start();
        var client = CreateTestProbe();
        var words = BreakNextClaim();
        Registry.Tell(new ClaimName("bob", client.Ref), Claims.Ref);
        var refused = Claims.ExpectMsg<NameRefused>(TimeSpan.FromSeconds(30));
        Assert.Equal((Codes.Unavailable, words), (refused.Code, refused.Error));
        Assert.Equal(1, Register("carol").Seq.ClientSeq);
    }

    [Fact]
    public void A_lost_claim_counts_nothing_more()
    {
        var (claim, _, _, alice) = Start();
        Count(alice);
        LoseClaim("alice", claim);
        Assert.Equal(Counting.Lost, alice.TryCount(new SeqPair[1]));
    }

    [Fact]
    public void A_snapshot_holds_the_clients_and_the_numbers_given()
    {
        var (_, _, _, alice) = Start();
        var last = Count(alice);
        Registry.Tell(GetSnapshot.Instance);
        var s = ExpectMsg<StateSnapshot>();
        Assert.Contains(s.Clients, c => c.Name == "alice" && c.Node == Here && c.Requests == 1);
        Assert.Equal(last.ServerSeq, s.ServerSeq);
        Assert.Contains(s.Nodes, n => n.Address == Here);
    }

    /// <summary>Forwards to a probe; optionally with a child that forwards to another (a node's door).</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to, string? child, IActorRef? childTo)
        {
            if (child is not null) Context.ActorOf(Props.Create(() => new Forwarder(childTo!, null, null)), child);
            ReceiveAny(m => to.Forward(m));
        }
    }
}
