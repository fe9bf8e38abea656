using Akka.Actor;
using Akka.Configuration;
using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Registry;

/// <summary>
/// The registry core over the segment backend, on a real segment shared by two nodes' stores: this node's (the
/// registry's, <see cref="Here"/>) and another's (<see cref="There"/>, whose address is this actor system's, so that
/// its door resolves to the probe behind /user/gateway/node-testkey).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SegmentRegistrySpecs() : RegistrySpecs(Config)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """).WithFallback(ActorTestConfig.Server());

    private readonly TestSegment _segment = new();
    private SharedSegmentStore? _here, _there;
    private FaultyStore? _faulty;

    protected override string Here => "127.0.0.1:1";

    protected override string There => $"127.0.0.1:{((ExtendedActorSystem)Sys).Provider.DefaultAddress.Port}";

    // The other node serves: its row carries its actor system's uid (a starting node's has none, and gets no fan-outs).
    private SharedSegmentStore ThereStore => _there ??= Serving(OpenStore(_segment, There));

    private SharedSegmentStore Serving(SharedSegmentStore store)
    {
        store.PublishAkkaUid(Akka.Remote.AddressUidExtension.Uid(Sys));
        return store;
    }

    protected override IActorRef CreateRegistry()
    {
        _here = OpenStore(_segment, Here);
        _faulty = new FaultyStore(_here);
        var settings = StateSettings.Create(Sys.Settings.Config) with { MaintainInterval = TimeSpan.FromHours(1) };
        return Sys.ActorOf(RegistryActor.ForSegment(_faulty, settings, Summary, Here, DoorName), "state");
    }

    protected override void Decide(string name, bool granted) { }

    // The segment decides at once, by itself.
    protected override void DecideFold(string name, bool granted) { }

    protected override void FoldLetGo(string name) { }

    protected override void OnlineThere(string name) =>
        Assert.Equal(ClaimStatus.Claimed, ThereStore.Claim(name).Status);

    protected override IActorRef NodeReplyAddress =>
        ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(Registry.Path.Root / "user" / "gateway" / DoorName);

    protected override Deliver ExpectDeliverThere() => Door.ExpectMsg<Deliver>();

    protected override Fanout ExpectFanoutThere() => Door.ExpectMsg<Fanout>();

    // The door hands other nodes' answers to its registry.
    protected override void FromThere(object answer) => Registry.Tell(answer, Door.Ref);

    // Reaped or torn and dropped: the slot is freed by another node.
    protected override void LoseClaim(string name, ClaimHandle claim) =>
        Assert.True(ThereStore.Release(new SlotHandle(claim.Key, claim.Token)));

    protected override string BreakNextClaim()
    {
        _faulty!.Fail(1, () => new TimeoutException("segment busy"));
        return "server state unavailable, try again";
    }

    [Fact]
    public void A_segment_cut_short_breaks_every_counter_in_its_own_words()
    {
        var (_, _, _, alice) = Start();
        Count(alice);
        File.WriteAllBytes(SegmentMapping.PathFor(_segment.Name), []); // cut under the node
        Assert.Equal(Counting.Broken, alice.TryCount(new SeqPair[1]));
        Assert.StartsWith("server state corrupt:", alice.Broken);
        Watch(Registry);
        Registry.Tell(new StoreBroken(alice.Broken!)); // what the session tells the registry: the node stops
        ExpectTerminated(Registry);
        Assert.True(Summary.IsComplete);
    }

    [Fact]
    public void A_look_announces_who_came_on_any_node()
    {
        Start();
        Registry.Tell(MaintainNow.Instance); // the first look only learns who is there
        Gateway.FishForMessage<PresenceChanged>(_ => true);
        OnlineThere("bob");
        Registry.Tell(MaintainNow.Instance);
        var change = Gateway.FishForMessage<PresenceChanged>(_ => true);
        Assert.Equal([("bob", There)], change.Joined.Select(c => (c.Name, c.Node)));
    }

    // A refused login showed everyone "bob joined" then "bob left" (a new user's trial): the name was claimed, then its
    // password checked. A claim is announced once its session started (the gateway says so), a refused one never.
    [Fact]
    public void A_claim_is_announced_once_its_session_started_and_one_given_back_unserved_never()
    {
        Start();
        Registry.Tell(MaintainNow.Instance); // the first look only learns who is there
        Gateway.FishForMessage<PresenceChanged>(_ => true);
        PresenceChanged Look()
        {
            Registry.Tell(MaintainNow.Instance);
            return Gateway.FishForMessage<PresenceChanged>(_ => true);
        }

        var bob = CreateTestProbe();
        Registry.Tell(new ClaimName("bob", bob.Ref), Claims.Ref);
        var bobs = Claims.ExpectMsg<NameClaimed>();
        Assert.Empty(Look().Joined); // its password is being checked
        Registry.Tell(new ReleaseName(bobs.Claim, "bob", "its password was missing or wrong", Served: false));
        var after = Look();
        Assert.Empty(after.Joined);
        Assert.Empty(after.Left); // never there, so never gone

        var carol = CreateTestProbe();
        Registry.Tell(new ClaimName("carol", carol.Ref), Claims.Ref);
        var carols = Claims.ExpectMsg<NameClaimed>();
        Assert.Empty(Look().Joined);
        Registry.Tell(new ClaimServed(carols.Claim, "carol"));
        Assert.Equal(["carol"], Look().Joined.Select(c => c.Name));
    }

    // The registry stops with the system before its store (the host's) is disposed.
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _there?.Dispose();
        _here?.Dispose();
        _segment.Dispose();
    }
}
