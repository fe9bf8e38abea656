using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Registry;

/// <summary>
/// The registry core over the cluster backend, with probes standing in for the name shard region, the serverSeq lease
/// entity and the pub-sub mediator; the registry's inbox on the node side is real (found from its subscriptions), and
/// every node message of a spec goes through it. What the registry relays carries the inbox as its reply address,
/// never a session (a session's path is its capability), and node traffic is taken only from the inbox.
/// </summary>
public sealed class ClusterRegistrySpecs() : RegistrySpecs(Config)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """);

    // The roster interval is the registry's tick: an hour, so that only a spec ticks it.
    private static readonly Switchboard.Server.Cluster.ClusterSettings Settings = new(TimeSpan.FromHours(1), TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(2), 1000, TimeSpan.FromHours(1), 30, TimeSpan.FromSeconds(3));

    private TestProbe _names = null!, _seq = null!, _mediator = null!;
    private IActorRef _inbox = ActorRefs.Nobody;
    private readonly LocalSessions _local = new();
    private NodeDirectory _directory = null!;
    private bool _thereIsUp;

    protected override string Here => "127.0.0.1:4053";

    protected override string There => "127.0.0.2:4053";

    protected override IActorRef CreateRegistry() => Create(first: 1, count: 1000);

    private IActorRef Create(long first, long count, Switchboard.Server.Cluster.ClusterSettings? settings = null, Func<bool>? serving = null)
    {
        (_names, _seq, _mediator) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var side = new NodeSide(Sys, _names.Ref, _seq.Ref, _mediator.Ref);
        _directory = new NodeDirectory(Here);
        var registry = Sys.ActorOf(RegistryActor.ForCluster(settings ?? Settings, Summary, new ClusterReadiness(), Here, side, _local, _directory,
            serving: serving), "state");
        var topics = new[] { _mediator.ExpectMsg<Subscribe>(), _mediator.ExpectMsg<Subscribe>(), _mediator.ExpectMsg<Subscribe>() };
        Assert.Equal([PubSubRouter.RosterTopic, PubSubRouter.FanoutTopic, PubSubRouter.NodeTopic(Here)], topics.Select(t => t.Topic));
        _inbox = topics[0].Ref;
        Assert.NotEqual(registry, _inbox);
        Assert.Equal(_inbox, _seq.ExpectMsg<LeaseSeq>().ReplyTo);
        _inbox.Tell(new SeqLeased(first, count));
        return registry;
    }

    protected override void Decide(string name, bool granted)
    {
        var claim = _names.FishForMessage<NameClaim>(c => c.Name == name);
        Assert.Equal((Here, _inbox, false), (claim.Node, claim.Owner, claim.Reassert));
        _inbox.Tell(new NameAnswer(name, claim.Token, granted ? NameVerdict.Granted : NameVerdict.Taken));
    }

    protected override void DecideFold(string name, bool granted)
    {
        var claim = _names.FishForMessage<NameClaim>(c => c.Name == ClusterBackend.FoldKey(name));
        Assert.Equal((Here, _inbox, false, "fold:" + name.ToLowerInvariant()), (claim.Node, claim.Owner, claim.Reassert, claim.Name));
        _inbox.Tell(new NameAnswer(claim.Name, claim.Token, granted ? NameVerdict.Granted : NameVerdict.Taken));
    }

    protected override void FoldLetGo(string name) =>
        Assert.Equal(ClusterBackend.FoldKey(name), _names.FishForMessage<NameRelease>(_ => true).Name);

    protected override void OnlineThere(string name)
    {
        if (!_thereIsUp) _inbox.Tell(new ClusterEvent.MemberUp(ClusterMembers.Serving(There)));
        _thereIsUp = true;
        _inbox.Tell(new NodeRoster(There, 1, [new RosterEntry(name, 0, 7)]));
        Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Any(c => c.Name == name && c.Node == There));
    }

    protected override IActorRef NodeReplyAddress => _inbox;

    protected override Deliver ExpectDeliverThere()
    {
        var published = _mediator.ExpectMsg<Publish>();
        Assert.Equal(PubSubRouter.NodeTopic(There), published.Topic);
        var relayed = Assert.IsType<Relayed>(published.Message);
        Assert.Equal(Here, relayed.Origin);
        return Assert.IsType<Deliver>(relayed.Inner);
    }

    protected override Fanout ExpectFanoutThere()
    {
        var published = _mediator.ExpectMsg<Publish>();
        Assert.Equal(PubSubRouter.FanoutTopic, published.Topic);
        return Assert.IsType<Fanout>(Assert.IsType<Relayed>(published.Message).Inner);
    }

    protected override void FromThere(object answer) => _inbox.Tell(answer);

    // An entity granted the name elsewhere while this claim was not re-asserted. This node's joins and leaves are
    // announced at its next tick (and one that joins and leaves within a tick is never announced): tick after each.
    protected override void LoseClaim(string name, ClaimHandle claim)
    {
        Registry.Tell(MaintainNow.Instance);
        Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Any(c => c.Name == name && c.Node == Here));
        _inbox.Tell(new NameAnswer(name, claim.Token, NameVerdict.Lost));
        // The answer reaches the registry through the inbox, a hop behind a tick told from here: tick until it is out.
        AwaitAssert(() =>
        {
            Registry.Tell(MaintainNow.Instance);
            Gateway.FishForMessage<PresenceChanged>(p => p.Left.Any(c => c.Name == name), TimeSpan.FromMilliseconds(200).Scaled());
        }, TimeSpan.FromSeconds(5).Scaled());
    }

    // A refused login showed everyone "bob joined" then "bob left" (a new user's trial): a claim is announced, and listed
    // in the node's roster, once its session started; one given back unserved never.
    [Fact]
    public void A_claim_is_announced_and_in_the_roster_once_its_session_started_and_one_given_back_unserved_never()
    {
        Start("alice");
        Registry.Tell(MaintainNow.Instance);
        Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Any(c => c.Name == "alice"));
        var bob = CreateTestProbe();
        Registry.Tell(new ClaimName("bob", bob.Ref), Claims.Ref);
        Decide("bob", granted: true);
        var bobs = Claims.ExpectMsg<NameClaimed>();
        Registry.Tell(MaintainNow.Instance);
        Registry.Tell(new ReleaseName(bobs.Claim, "bob", "its password was missing or wrong", Served: false));
        Registry.Tell(MaintainNow.Instance);
        var carol = CreateTestProbe();
        Registry.Tell(new ClaimName("carol", carol.Ref), Claims.Ref);
        Decide("carol", granted: true);
        Registry.Tell(new ClaimServed(Claims.ExpectMsg<NameClaimed>().Claim, "carol"));
        Registry.Tell(MaintainNow.Instance);
        var change = Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Count + p.Left.Count > 0);
        Assert.Equal(["carol"], change.Joined.Select(c => c.Name));
        Assert.Empty(change.Left);
        // The rosters this node published never listed bob.
        var rosters = _mediator.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m).OfType<Publish>().Select(p => p.Message).OfType<NodeRoster>().ToList();
        Assert.NotEmpty(rosters);
        Assert.DoesNotContain(rosters, r => r.Entries.Any(e => e.Name == "bob"));
        Assert.Contains(rosters, r => r.Entries.Any(e => e.Name == "carol"));
    }

    [Fact]
    public void This_nodes_joins_are_announced_together_at_its_next_tick()
    {
        Start("alice");
        Register("bob");
        Register("carol");
        // One presence change for the three, not one each (every session tells its client of each change).
        Assert.DoesNotContain(Gateway.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => m), m => m is PresenceChanged);
        Registry.Tell(MaintainNow.Instance);
        var change = Gateway.FishForMessage<PresenceChanged>(_ => true);
        Assert.Equal(["alice", "bob", "carol"], change.Joined.Select(c => c.Name).Order());
        Assert.Empty(change.Left);
    }

    // No name entity answers within the claim timeout.
    protected override string BreakNextClaim() => "name registry not reachable, try again";

    // A node of a second cluster on the running one's database is Up some seconds before its claim on the database is
    // refused: a name it took meanwhile (reserved alice's, her password read from that database) was online in two clusters
    // (hF's run: carol registered 3 s before "listening on"). Before it serves, a claim is answered at once, and no name
    // entity hears of it.
    [Fact]
    public void A_claim_on_a_node_that_does_not_serve_yet_is_answered_503_at_once_and_claims_nothing()
    {
        var serving = false;
        var registry = Create(first: 1, count: 1000, serving: () => Volatile.Read(ref serving));
        registry.Tell(new ClaimName("alice", CreateTestProbe().Ref), TestActor);
        var refused = ExpectMsg<NameRefused>();
        Assert.Equal((Codes.Unavailable, RegistryText.NodeStarting(Here)), (refused.Code, refused.Error));
        _names.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        Volatile.Write(ref serving, true);
        registry.Tell(new ClaimName("alice", CreateTestProbe().Ref), TestActor);
        Assert.Equal("alice", _names.FishForMessage<NameClaim>(c => c.Name == "alice").Name);
    }

    // A node killed while it held the names' shard coordinator (the oldest): a client of it reconnecting here had its claim
    // wait out the claim timeout (503), and that claim, buffered by the region, was granted once the coordinator had moved,
    // just before the client's next claim of the same name, which heard 409 "already taken" from this node's own late
    // grant (released then): the client came back one more backoff later, 19.4 s after the kill (hC's run). A late grant
    // of a claim that timed out goes to a claim of that name waiting here.
    [Fact]
    public void A_late_grant_of_a_claim_that_timed_out_goes_to_the_next_claim_of_that_name_waiting_here()
    {
        // The first claim's timer is delivered by the spec (a claim timeout of 300 ms, as before, also ran out on the
        // second claim before its answer on a loaded box).
        var registry = Create(first: 1, count: 1000, Settings with { ClaimTimeout = TimeSpan.FromHours(1) });
        var (first, again) = (CreateTestProbe(), CreateTestProbe());
        registry.Tell(new ClaimName("alice", first.Ref), TestActor);
        var ghost = _names.FishForMessage<NameClaim>(c => c.Name == "alice");
        registry.Tell(new Switchboard.Server.Cluster.ClusterBackend.ClaimExpired(ghost.Token));
        Assert.Equal(Codes.Unavailable, ExpectMsg<NameRefused>().Code);
        registry.Tell(new ClaimName("alice", again.Ref), TestActor);
        var next = _names.FishForMessage<NameClaim>(c => c.Name == "alice" && c.Token != ghost.Token);

        _inbox.Tell(new NameAnswer("alice", ghost.Token, NameVerdict.Granted));
        _inbox.Tell(new NameAnswer("alice", next.Token, NameVerdict.Taken)); // taken by the late grant

        var claimed = ExpectMsg<NameClaimed>();
        Assert.Equal(("alice", again.Ref, ghost.Token), (claimed.Name, claimed.Client, claimed.Claim.Token));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.DoesNotContain(_names.ReceiveWhile<object>(TimeSpan.FromMilliseconds(300), m => m, 100), m => m is NameRelease);
    }

    // A client whose node was killed reconnects to another: its own name, still held by the dead node's claim, was refused
    // 409 "name 'carol' is already taken" (as if someone else had it), and a claim whose shard lived there timed out 503
    // "name registry not reachable" with nothing about why or for how long (note53; hD's kill -9 runs). While a member
    // is unreachable, and for a claim timeout after its removal, both refusals name that node and say what happens next.
    [Fact]
    public void A_claim_refused_while_a_node_stopped_answering_names_that_node_and_says_the_cluster_frees_its_names()
    {
        var registry = Create(first: 1, count: 1000, Settings with { ClaimTimeout = TimeSpan.FromMilliseconds(300) });
        _inbox.Tell(new ClusterEvent.MemberUp(ClusterMembers.Serving(There)));
        _inbox.Tell(new NodeRoster(There, 1, [new RosterEntry("carol", 0, 7)]));
        _inbox.Tell(new ClusterEvent.UnreachableMember(ClusterMembers.Serving(There)));

        NameRefused Refused(string name, NameVerdict? answer)
        {
            registry.Tell(new ClaimName(name, CreateTestProbe().Ref), TestActor);
            var claim = _names.FishForMessage<NameClaim>(c => c.Name == name);
            if (answer is { } verdict) _inbox.Tell(new NameAnswer(name, claim.Token, verdict));
            return ExpectMsg<NameRefused>(TimeSpan.FromSeconds(10));
        }

        var taken = Refused("carol", NameVerdict.Taken);
        Assert.Equal((Codes.NameTaken, "name 'carol' is held by a client of node 127.0.0.2:4053, which stopped answering; the cluster frees the names it held once it has downed it (about 12 s after it went)"),
            (taken.Code, taken.Error));
        var timedOut = Refused("erin", answer: null);
        Assert.Equal((Codes.Unavailable, "name registry not reachable: node 127.0.0.2:4053 stopped answering, and the names it kept move to the other nodes once the cluster has downed it (about 12 s after it went); try again in a few seconds"),
            (timedOut.Code, timedOut.Error));

        // Answering again: the plain wordings.
        _inbox.Tell(new ClusterEvent.ReachableMember(ClusterMembers.Serving(There)));
        Assert.Equal("name 'carol' is already taken", Refused("carol", NameVerdict.Taken).Error);
        Assert.Equal("name registry not reachable, try again", Refused("erin", answer: null).Error);
    }

    // One peer held 10,930 names on one cluster node (a hostile tester): a node holds at most max-clients, as a single
    // host's segment does, claims still waiting for their answer counted.
    [Fact]
    public void A_node_holding_its_most_names_refuses_the_next_503_until_one_leaves()
    {
        var registry = Create(first: 1, count: 1000, Settings with { MaxClients = 2 });
        var (a, b, c) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        registry.Tell(new ClaimName("alice", a.Ref), TestActor);
        registry.Tell(new ClaimName("bob", b.Ref), TestActor); // not answered yet: it counts
        registry.Tell(new ClaimName("carol", c.Ref), TestActor);
        var refused = ExpectMsg<NameRefused>();
        Assert.Equal(("carol", Codes.Unavailable, "server is full"), (refused.Name, refused.Code, refused.Error));
        Decide("alice", granted: true);
        Assert.Equal("alice", ExpectMsg<NameClaimed>().Name);
        Decide("bob", granted: false);
        ExpectMsg<NameRefused>(r => r.Name == "bob");
        registry.Tell(new ClaimName("carol", c.Ref), TestActor);
        Decide("carol", granted: true);
        Assert.Equal("carol", ExpectMsg<NameClaimed>().Name);
    }

    [Fact]
    public void A_counter_with_no_number_left_waits_for_the_next_leased_range_and_the_registry_says_when()
    {
        var registry = Create(first: 1, count: 3);
        var client = CreateTestProbe();
        registry.Tell(new ClaimName("alice", client.Ref), TestActor);
        Decide("alice", granted: true);
        var alice = ExpectMsg<NameClaimed>().Counter;
        _seq.ExpectMsg<LeaseSeq>(); // asked ahead once under half a range was left
        // Two numbers left (2, 3): a batch of three gets none, and the session is told when it can.
        var batch = new SeqPair[3];
        Assert.Equal(Counting.NotYet, alice.TryCount(batch));
        registry.Tell(new AwaitNumbers(3), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _inbox.Tell(new SeqLeased(100, 1000));
        ExpectMsg<NumbersReady>();
        Assert.Equal(Counting.Counted, alice.TryCount(batch));
        Assert.Equal([2L, 3L, 100L], batch.Select(r => r.ServerSeq));
        Assert.Equal([2L, 3L, 4L], batch.Select(r => r.ClientSeq));
        Assert.Equal(new SeqPair(5, 101), Count(alice));
        registry.Tell(new AwaitNumbers(3), TestActor); // numbers are there: answered at once
        ExpectMsg<NumbersReady>();
    }

    [Fact]
    public void Other_nodes_traffic_reaches_this_gateway_through_the_inbox_only_and_this_nodes_own_broadcast_copy_not_at_all()
    {
        Start();
        var mallory = CreateTestProbe();
        _inbox.Tell(new Relayed(new Fanout("bob", null, "hi", _inbox), There));
        Assert.Equal("bob", Gateway.FishForMessage<Fanout>(_ => true).From);
        _inbox.Tell(new Relayed(new Fanout("alice", null, "mine", _inbox), Here));
        // Node traffic that does not come through the inbox is not handled.
        Registry.Tell(new Relayed(new Fanout("mallory", null, "forged", mallory.Ref), There), mallory.Ref);
        Registry.Tell(new Relayed(new Deliver(1, "mallory", "alice", "forged", mallory.Ref), There), mallory.Ref);
        Assert.DoesNotContain(Gateway.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m), m => m is Fanout or Deliver);
    }

    // Another node whose node-side address is where its inbox (a probe here) lives, with bob online there.
    private TestProbe NodeThereWithInbox(string name)
    {
        var there = CreateTestProbe();
        _inbox.Tell(new ClusterEvent.MemberUp(ClusterMembers.Serving(There, there.Ref.Path.Address)));
        _inbox.Tell(new NodeRoster(There, 1, [new RosterEntry(name, 0, 7)], there.Ref));
        Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Any(c => c.Name == name && c.Node == There));
        return there;
    }

    [Fact]
    public void A_sessions_DM_for_another_nodes_client_goes_to_that_nodes_inbox_and_its_answer_back_to_the_session_past_registry_and_pub_sub()
    {
        Start();
        var there = NodeThereWithInbox("bob");
        var session = CreateTestProbe();
        Assert.True(_directory.TrySend(session.Ref, 42, "alice", "bob", "hi", 0, 0));
        // Through the link to that node: alone, in a batch of one.
        var relayed = there.ExpectMsg<RelayedBatch>();
        Assert.Equal((Here, _inbox), (relayed.Origin, there.LastSender));
        var deliver = Assert.IsType<Deliver>(Assert.Single(relayed.Items));
        // Under a relay id, answered to this node's inbox: the session's path and id stay here.
        Assert.Equal(("alice", "bob", "hi", _inbox), (deliver.From, deliver.To, deliver.Text, deliver.ReplyTo));
        // That node's answers come back in batches too.
        _inbox.Tell(new RelayedBatch([new Delivered(deliver.Id, Codes.Ok, null)], There), there.Ref);
        Assert.Equal((42L, Codes.Ok), session.ExpectMsg<Delivered>() is var d ? (d.Id, d.Code) : default);
        FromThere(new Delivered(deliver.Id, Codes.Ok, null)); // answered once only
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.DoesNotContain(_mediator.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m), m => m is Publish p && p.Topic == PubSubRouter.NodeTopic(There));
    }

    [Fact]
    public void Another_nodes_DM_goes_from_the_inbox_to_the_recipients_session_and_one_for_nobody_here_is_answered_404_to_that_node()
    {
        Start();
        var alice = CreateTestProbe();
        var there = CreateTestProbe();
        _local.Set("alice", alice.Ref);
        _inbox.Tell(new Relayed(new Deliver(9, "bob", "alice", "hi", there.Ref), There));
        var handed = Assert.IsType<Deliver>(alice.ExpectMsg<Handed>().Message);
        Assert.Equal(("bob", "hi"), (handed.From, handed.Text));
        // The session answers through the link to that node, which carries it there in a batch, signed.
        handed.ReplyTo.Tell(new Delivered(9, Codes.Ok, null));
        Assert.Equal(new Delivered(9, Codes.Ok, null), Assert.Single(there.ExpectMsg<RelayedBatch>().Items));
        _inbox.Tell(new Relayed(new Deliver(10, "bob", "zed", "hi", there.Ref), There));
        var answer = Assert.IsType<Delivered>(Assert.Single(there.ExpectMsg<RelayedBatch>().Items));
        Assert.Equal((10L, Codes.NotOnline, "zed is not online"), (answer.Id, answer.Code, answer.Error));
    }

    // Ctrl-C or SIGTERM: the node's sessions end, then its registry and inbox, and only then does its node side leave the
    // cluster (~4 s later the others saw it removed). A DM another node sent meanwhile went to a stopped inbox and waited
    // out the delivery timeout. The shutdown's first phase tells the registry (StopServing) before any session ends.
    [Fact]
    public void A_node_that_begins_to_stop_says_its_clients_are_gone_answers_other_nodes_DMs_not_online_and_frees_its_names()
    {
        Start("alice");
        var session = CreateTestProbe();
        _local.Set("alice", session.Ref);
        Registry.Tell(MaintainNow.Instance);
        _mediator.FishForMessage<Publish>(p => p.Message is NodeRoster r && r.Entries.Any(e => e.Name == "alice"));

        Registry.Tell(ClusterBackend.StopServing.Instance, TestActor);
        ExpectMsg<Done>();
        // The others hear at once that this node serves nobody: their `who` and directories drop alice.
        var roster = (NodeRoster)_mediator.FishForMessage<Publish>(p => p.Message is NodeRoster).Message;
        Assert.Empty(roster.Entries);
        // Their DMs meanwhile are answered "not online", never handed to a session that is ending.
        var there = CreateTestProbe();
        _inbox.Tell(new Relayed(new Deliver(9, "bob", "alice", "hi", there.Ref), There));
        var answer = Assert.IsType<Delivered>(Assert.Single(there.ExpectMsg<RelayedBatch>().Items));
        Assert.Equal((9L, Codes.NotOnline, $"alice is not online: their node {Here} is stopping"), (answer.Id, answer.Code, answer.Error));
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Registry.Tell(MaintainNow.Instance);
        Assert.All(_mediator.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => m).OfType<Publish>().Select(p => p.Message).OfType<NodeRoster>(),
            r => Assert.Empty(r.Entries));

        // The registry stops: its names are freed at once, and the inbox goes on answering until the node side stops.
        Watch(Registry);
        Sys.Stop(Registry);
        ExpectTerminated(Registry);
        Assert.Equal("alice", _names.FishForMessage<NameRelease>(r => r.Name == "alice").Name);
        _inbox.Tell(new Relayed(new Deliver(10, "bob", "alice", "again", there.Ref), There));
        Assert.Equal((10L, Codes.NotOnline), Assert.IsType<Delivered>(Assert.Single(there.ExpectMsg<RelayedBatch>().Items)) is var a ? (a.Id, a.Code) : default);
    }

    // A node killed with kill -9: `who` listed its clients until the cluster removed it (~12 s), and a DM to one of them
    // meanwhile waited out the delivery timeout (5 s, "the recipient's node did not answer") though the cluster had marked
    // the node unreachable ~7 s after the kill. While a member is unreachable its clients are out of `who`, announced
    // left, and a DM to one is answered 404 at once, naming their node; they are back when it answers again.
    [Fact]
    public void The_clients_of_a_node_that_stopped_answering_leave_who_and_a_DM_to_one_is_answered_404_at_once_until_it_answers_again()
    {
        Start("alice");
        var there = NodeThereWithInbox("bob");
        var member = ClusterMembers.Serving(There, there.Ref.Path.Address);
        string[] Who()
        {
            Registry.Tell(new WhoQuery(1), TestActor);
            return [.. ExpectMsg<WhoList>().Clients.Select(c => c.Name).Order()];
        }
        Assert.Equal(["alice", "bob"], Who());

        _inbox.Tell(new ClusterEvent.UnreachableMember(member));
        Gateway.FishForMessage<PresenceChanged>(p => p.Left.Any(c => c.Name == "bob"));
        Assert.Equal(["alice"], Who());
        // Not sent to its node (the sessions' directory forgot bob): the registry answers at once.
        Assert.False(_directory.TrySend(CreateTestProbe().Ref, 1, "alice", "bob", "hi", 0, 0));
        var session = CreateTestProbe();
        Registry.Tell(new RouteTell(2, "alice", "bob", "hi", session.Ref));
        var answer = session.ExpectMsg<RouteResult>();
        Assert.Equal((Codes.NotOnline, $"bob is not online: their node {There} stopped answering"), (answer.Code, answer.Error));
        there.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        _inbox.Tell(new ClusterEvent.ReachableMember(member));
        Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Any(c => c.Name == "bob"));
        Assert.Equal(["alice", "bob"], Who());
        Assert.True(_directory.TrySend(CreateTestProbe().Ref, 3, "alice", "bob", "hi", 0, 0));

        // Removed while unreachable: bob was announced left once, when the node stopped answering.
        _inbox.Tell(new ClusterEvent.UnreachableMember(member));
        Gateway.FishForMessage<PresenceChanged>(p => p.Left.Any(c => c.Name == "bob"));
        _inbox.Tell(new ClusterEvent.MemberRemoved(ClusterMembers.Serving(There, there.Ref.Path.Address, MemberStatus.Removed), MemberStatus.Down));
        Assert.Equal(["alice"], Who());
        Assert.DoesNotContain(Gateway.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m), m => m is PresenceChanged);
    }

    // A DM already on its way to a node when the cluster marked it unreachable waited out the delivery timeout (5 s,
    // "the recipient's node did not answer"), though the DMs sent after the mark were answered 404 at once: answered at
    // the mark now, as those are, and once (a late answer from that node is dropped).
    [Fact]
    public void A_DM_on_its_way_to_a_node_when_it_stops_answering_is_answered_404_at_once_naming_that_node()
    {
        Start("alice");
        var there = NodeThereWithInbox("bob");
        var session = CreateTestProbe();
        Assert.True(_directory.TrySend(session.Ref, 42, "alice", "bob", "hi", 0, 0));
        var deliver = Assert.IsType<Deliver>(Assert.Single(there.ExpectMsg<RelayedBatch>().Items));

        _inbox.Tell(new ClusterEvent.UnreachableMember(ClusterMembers.Serving(There, there.Ref.Path.Address)));
        var answer = session.ExpectMsg<Delivered>();
        Assert.Equal((42L, Codes.NotOnline, $"bob is not online: their node {There} stopped answering"), (answer.Id, answer.Code, answer.Error));
        _inbox.Tell(new RelayedBatch([new Delivered(deliver.Id, Codes.Ok, null)], There), there.Ref);
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_roster_naming_an_inbox_off_its_members_own_address_is_not_used_and_its_clients_are_reached_through_the_registry()
    {
        Start();
        var elsewhere = CreateTestProbe(); // not at 127.0.0.2:4054, where the member There lives
        _inbox.Tell(new ClusterEvent.MemberUp(ClusterMembers.Serving(There)));
        _inbox.Tell(new NodeRoster(There, 1, [new RosterEntry("bob", 0, 7)], elsewhere.Ref));
        Gateway.FishForMessage<PresenceChanged>(p => p.Joined.Any(c => c.Name == "bob"));
        Assert.False(_directory.TrySend(CreateTestProbe().Ref, 1, "alice", "bob", "hi", 0, 0));
        elsewhere.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var session = CreateTestProbe();
        Registry.Tell(new RouteTell(2, "alice", "bob", "hi", session.Ref));
        Assert.Equal("bob", ExpectDeliverThere().To);
    }

    // A reconnect presents its old session's capability (digested by the gateway) and its claim carries its new
    // session's key; when another node's reconnect was handed the name, the session here ends at
    // once (before, only at its next reply: two sessions of one name meanwhile, the old one still pushed events).
    [Fact]
    public void A_claim_carries_its_keys_and_a_claim_lost_to_its_clients_reconnect_ends_its_session_at_once()
    {
        Start("bob");
        var (key, presented) = (ClaimKey.Of(Capability.NewName("s-")), ClaimKey.Of(Capability.NewName("s-")));
        var client = CreateTestProbe();
        Registry.Tell(new ClaimName("alice", client.Ref, key, presented), Claims.Ref);
        var claim = _names.FishForMessage<NameClaim>(c => c.Name == "alice");
        Assert.Equal((key, presented, false), (claim.Key, claim.Presented, claim.Reassert));
        _inbox.Tell(new NameAnswer("alice", claim.Token, NameVerdict.Granted));
        var claimed = Claims.ExpectMsg<NameClaimed>();
        var session = CreateTestProbe();
        _local.Set("alice", session.Ref);
        Registry.Tell(new ClaimServed(claimed.Claim, "alice"), Claims.Ref);

        _inbox.Tell(new NameAnswer("alice", claimed.Claim.Token, NameVerdict.Lost));
        Assert.Equal(claimed.Claim.Token, session.ExpectMsg<ClaimLost>().Token);
        Assert.Equal(Counting.Lost, claimed.Counter.TryCount(new SeqPair[1]));
    }
}
