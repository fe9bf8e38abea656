using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// The cluster registry against probes standing in for the shard regions, the pub-sub mediator and the local gateway:
/// what it relays to other nodes carries its node-side inbox as the reply address, never a session (a session's path
/// is its capability), and node traffic is taken only from that inbox.
/// </summary>
public sealed class ClusterRegistryRelaySpecs() : TestKit(Config)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """).WithFallback(ActorTestConfig.TimeFactorConfig);

    private const string Here = "127.0.0.1:4053", There = "127.0.0.2:4053";

    private static readonly Switchboard.Server.Cluster.ClusterSettings Settings = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), 1000,
        TimeSpan.FromMilliseconds(250), 30, TimeSpan.FromSeconds(3));

    /// <summary>A registry holding "alice" here, with "bob" online on another node; the inbox found from its subscriptions.</summary>
    private (IActorRef Registry, IActorRef Inbox, TestProbe Names, TestProbe Mediator, TestProbe Gateway) Start()
    {
        TestProbe names = CreateTestProbe(), seq = CreateTestProbe(), mediator = CreateTestProbe(), gateway = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Relay(gateway.Ref)), "gateway");
        var side = new NodeSide(Sys, names.Ref, seq.Ref, mediator.Ref);
        var registry = Sys.ActorOf(ClusterRegistryActor.Props(Settings, new ServerSummary(), new ClusterReadiness(), Here, side), "state");
        var inbox = mediator.ExpectMsg<Subscribe>().Ref;
        mediator.ExpectMsg<Subscribe>();
        mediator.ExpectMsg<Subscribe>();
        Assert.NotEqual(registry, inbox);
        seq.ExpectMsg<LeaseSeq>();
        inbox.Tell(new SeqLeased(1, 1000));

        var claimant = CreateTestProbe();
        registry.Tell(new ClaimName("alice", claimant.Ref), gateway.Ref);
        var claim = names.ExpectMsg<NameClaim>();
        Assert.Equal(inbox, claim.Owner);
        inbox.Tell(new NameAnswer("alice", claim.Token, NameVerdict.Granted));
        gateway.FishForMessage(m => m is NameClaimed);

        inbox.Tell(new ClusterEvent.MemberUp(MemberServing(There)));
        inbox.Tell(new NodeRoster(There, 1, [new RosterEntry("bob", 0, 7)]));
        // The roster arrives through the inbox (two hops): ready once a DM to bob is relayed rather than answered 404.
        var ping = CreateTestProbe();
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 100, "bob's roster never reached the registry");
            registry.Tell(new RouteTell(-1, "alice", "bob", "ping", ping.Ref));
            if (ping.ReceiveOne(TimeSpan.FromMilliseconds(300)) is RouteResult { Code: Codes.NotOnline }) continue;
            mediator.FishForMessage<Publish>(p => p.Topic != ClusterRegistryActor.RosterTopic);
            break;
        }
        return (registry, inbox, names, mediator, gateway);
    }

    [Fact]
    public void A_DM_to_another_node_carries_the_inbox_and_a_relay_id_and_the_answer_reaches_the_session_under_its_own_id()
    {
        var (registry, inbox, _, mediator, _) = Start();
        var session = CreateTestProbe();
        var published = AwaitPublished(mediator, () => registry.Tell(new RouteTell(42, "alice", "bob", "hi", session.Ref)));
        Assert.Equal("switchboard-node-" + There, published.Topic);
        var relayed = Assert.IsType<Relayed>(published.Message);
        var deliver = Assert.IsType<Deliver>(relayed.Inner);
        Assert.Equal(("alice", "bob", "hi", Here), (deliver.From, deliver.To, deliver.Text, relayed.Origin));
        Assert.Equal(inbox, deliver.ReplyTo);
        Assert.NotEqual(session.Ref, deliver.ReplyTo);

        inbox.Tell(new Delivered(deliver.Id, Codes.Ok, null));
        var answer = session.ExpectMsg<Delivered>();
        Assert.Equal((42L, Codes.Ok), (answer.Id, answer.Code));
        // An answer for a relay that does not exist (or a repeat) reaches nobody.
        inbox.Tell(new Delivered(deliver.Id, Codes.Ok, null));
        inbox.Tell(new Delivered(deliver.Id + 1000, Codes.Ok, null));
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_broadcast_goes_to_other_nodes_with_the_inbox_as_reply_address_and_their_drop_notices_reach_the_senders_session()
    {
        var (registry, inbox, _, mediator, gateway) = Start();
        var session = CreateTestProbe();
        var published = AwaitPublished(mediator, () => registry.Tell(new RouteFanout(5, "alice", null, "hello all", session.Ref)));
        var fanout = Assert.IsType<Fanout>(Assert.IsType<Relayed>(published.Message).Inner);
        Assert.Equal(inbox, fanout.ReplyTo);
        var local = gateway.FishForMessage<Fanout>(_ => true);
        Assert.Equal(session.Ref, local.ReplyTo);
        // Another node's session that dropped it for a slow recipient tells the inbox, which tells alice's session.
        inbox.Tell(new FanoutDropped("alice", "bob", "bob is not keeping up; message dropped"));
        Assert.Equal("bob", session.FishForMessage<FanoutDropped>(_ => true).To);
        // The topic's copy of this node's own broadcast is not delivered twice.
        registry.Tell(new Relayed(fanout, Here), inbox);
        inbox.Tell(published.Message);
        AssertNoChat(gateway);
    }

    [Fact]
    public void Node_traffic_that_does_not_come_through_the_inbox_is_ignored()
    {
        var (registry, _, _, _, gateway) = Start();
        var mallory = CreateTestProbe();
        registry.Tell(new Relayed(new Deliver(1, "admin", "alice", "from admin", mallory.Ref), There), mallory.Ref);
        registry.Tell(new Relayed(new Fanout("admin", null, "from admin", mallory.Ref), There), mallory.Ref);
        AssertNoChat(gateway);
    }

    // Presence notices may come and go; no DM or broadcast may.
    private static void AssertNoChat(TestProbe gateway) =>
        Assert.DoesNotContain(gateway.ReceiveWhile(TimeSpan.FromMilliseconds(500), m => m), m => m is Deliver or Fanout);

    private static Publish AwaitPublished(TestProbe mediator, Action send)
    {
        send();
        return mediator.FishForMessage<Publish>(p => p.Topic != ClusterRegistryActor.RosterTopic);
    }

    // Akka.Cluster builds members itself; a spec needs one that serves a client-facing address (its role).
    private static Member MemberServing(string node)
    {
        var host = node[..node.LastIndexOf(':')];
        var unique = new UniqueAddress(new Address("akka.ssl.tcp", "switchboard", host, 4054), 1);
        var create = typeof(Member).GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .First(m => m.Name == "Create" && m.ReturnType == typeof(Member) && m.GetParameters()[0].ParameterType == typeof(UniqueAddress));
        var args = create.GetParameters().Select(p => p.ParameterType == typeof(UniqueAddress) ? unique
            : p.ParameterType == typeof(ImmutableHashSet<string>) ? ImmutableHashSet.Create(NodeSide.FrontRolePrefix + node)
            : p.ParameterType == typeof(Akka.Util.AppVersion) ? Akka.Util.AppVersion.Zero
            : p.HasDefaultValue ? p.DefaultValue : null).ToArray();
        var joining = (Member)create.Invoke(null, args)!;
        var copy = typeof(Member).GetMethod("Copy", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(MemberStatus)])!;
        return (Member)copy.Invoke(joining, [MemberStatus.Up])!;
    }

    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
