using Akka.Actor;
using Switchboard.Messages;
using Switchboard.Tests.Actors;

namespace Switchboard.Tests.Monitoring;

/// <summary>A client that comes back under its name while its old session still holds it (its old connection dropped,
/// the session is probing) is registered once that session gave up, not refused as "already taken".</summary>
public sealed class ReconnectSpecs : ServerActorsFixture
{
    public ReconnectSpecs() : base(null) { }

    [Fact]
    public void A_registration_for_a_name_whose_old_client_is_gone_waits_for_the_old_session_instead_of_a_409()
    {
        var gone = new SilentRef((ExtendedActorSystem)Sys, "gone-client");
        Gateway.Tell(new Register("alice"), gone);
        AwaitAssert(() => Assert.Single(Store.Snapshot().Clients), TimeSpan.FromSeconds(5));

        var back = CreateTestProbe();
        Gateway.Tell(new Register("alice"), back.Ref);
        // The old session probes its silent client (probe timeout 500 ms here), ends, and the name goes to the newcomer.
        var registered = back.ExpectMsg<object>(TimeSpan.FromSeconds(10));
        var r = Assert.IsType<Registered>(registered);
        Assert.Equal(1, r.ClientSeq);
        Assert.Equal("alice", Assert.Single(Store.Snapshot().Clients).Name);
    }

    [Fact]
    public void Retries_of_a_waiting_registration_are_answered_once()
    {
        var gone = new SilentRef((ExtendedActorSystem)Sys, "gone-client-2");
        Gateway.Tell(new Register("bob"), gone);
        AwaitAssert(() => Assert.Single(Store.Snapshot().Clients), TimeSpan.FromSeconds(5));

        var back = CreateTestProbe();
        Gateway.Tell(new Register("bob"), back.Ref);
        Gateway.Tell(new Register("bob"), back.Ref);
        Assert.IsType<Registered>(back.ExpectMsg<object>(TimeSpan.FromSeconds(10)));
        back.ExpectNoMsg(TimeSpan.FromMilliseconds(700));
    }

    [Fact]
    public void A_name_whose_holder_answers_its_probe_is_still_refused_with_409()
    {
        RegisterAs("carol", CreateTestProbe());
        var other = CreateTestProbe();
        Gateway.Tell(new Register("carol"), other.Ref);
        Assert.Equal(Codes.NameTaken, other.ExpectMsg<Rejected>(TimeSpan.FromSeconds(10)).Code);
    }

    /// <summary>A client whose process is unreachable: it takes every message (Identify, watch) and answers none.</summary>
    private sealed class SilentRef(ExtendedActorSystem system, string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(system.Provider.DefaultAddress) / "user" / name;
        public override IActorRefProvider Provider => system.Provider;
    }
}
