using Akka.Actor;

namespace Switchboard.Tests.EndToEnd;

/// <summary>A client that comes back under its name while its old session still holds it (its old connection dropped,
/// the session is probing) is registered once that session gave up, not refused as "already taken"; a newcomer
/// cannot evict a holder whose connection is up.</summary>
public sealed class ReconnectSpecs : ServerActorsFixture
{
    public ReconnectSpecs() : base(null) { }

    [Fact]
    public void A_registration_for_a_name_whose_old_client_is_gone_waits_for_the_old_session_instead_of_a_409()
    {
        var gone = new GoneRef((ExtendedActorSystem)Sys, "gone-client");
        Gateway.Tell(new Register("alice"), gone);
        AwaitAssert(() => Assert.Single(Store.Snapshot().Clients), TimeSpan.FromSeconds(5));

        var back = CreateTestProbe();
        Gateway.Tell(new Register("alice"), back.Ref);
        // The old session probes its client, learns it is gone, ends, and the name goes to the newcomer.
        var registered = back.ExpectMsg<object>(TimeSpan.FromSeconds(10));
        var r = Assert.IsType<Registered>(registered);
        Assert.Equal(1, r.ClientSeq);
        Assert.Equal("alice", Assert.Single(Store.Snapshot().Clients).Name);
    }

    [Fact]
    public void Retries_of_a_waiting_registration_are_answered_once()
    {
        var gone = new GoneRef((ExtendedActorSystem)Sys, "gone-client-2");
        Gateway.Tell(new Register("bob"), gone);
        AwaitAssert(() => Assert.Single(Store.Snapshot().Clients), TimeSpan.FromSeconds(5));

        var back = CreateTestProbe();
        Gateway.Tell(new Register("bob"), back.Ref);
        Gateway.Tell(new Register("bob"), back.Ref);
        Assert.IsType<Registered>(back.ExpectMsg<object>(TimeSpan.FromSeconds(10)));
        back.ExpectNoMsg(TimeSpan.FromMilliseconds(700));
    }

    // A client that resends its Register before the answer (its retry timer, a slow network) is one registration: it
    // hears Registered once, not also "already taken" for a name its own new session holds.
    [Fact]
    public void A_register_sent_again_before_its_answer_is_answered_once()
    {
        var client = CreateTestProbe();
        Gateway.Tell(new Register("erin"), client.Ref);
        Gateway.Tell(new Register("erin"), client.Ref);
        Assert.IsType<Registered>(client.ExpectMsg<object>(TimeSpan.FromSeconds(10)));
        client.ExpectNoMsg(TimeSpan.FromMilliseconds(700));
        Assert.Equal("erin", Assert.Single(Store.Snapshot().Clients).Name);
    }

    // Once answered, a Register again is a new registration: refused, since its own session holds the name.
    [Fact]
    public void A_register_sent_again_after_its_answer_is_refused_as_taken()
    {
        var client = CreateTestProbe();
        Gateway.Tell(new Register("fay"), client.Ref);
        Assert.IsType<Registered>(client.ExpectMsg<object>(TimeSpan.FromSeconds(10)));
        Gateway.Tell(new Register("fay"), client.Ref);
        Assert.Equal(Codes.NameTaken, client.ExpectMsg<Rejected>(TimeSpan.FromSeconds(10)).Code);
    }

    [Fact]
    public void A_name_whose_holder_answers_its_probe_is_still_refused_with_409()
    {
        RegisterAs("carol", CreateTestProbe());
        var other = CreateTestProbe();
        Gateway.Tell(new Register("carol"), other.Ref);
        Assert.Equal(Codes.NameTaken, other.ExpectMsg<Rejected>(TimeSpan.FromSeconds(10)).Code);
    }

    [Fact]
    public void A_newcomer_cannot_evict_a_holder_whose_connection_is_up_even_if_it_is_slow_to_answer()
    {
        // Silent, but no dropped connection was seen: a live client on a busy host, say. The check runs out, the
        // holder keeps its session and the newcomer hears 409.
        var slow = new SilentRef((ExtendedActorSystem)Sys, "slow-client");
        Gateway.Tell(new Register("dave"), slow);
        AwaitAssert(() => Assert.Single(Store.Snapshot().Clients), TimeSpan.FromSeconds(5));

        var newcomer = CreateTestProbe();
        Gateway.Tell(new Register("dave"), newcomer.Ref);
        Assert.Equal(Codes.NameTaken, newcomer.ExpectMsg<Rejected>(TimeSpan.FromSeconds(10)).Code);
        Assert.Equal("dave", Assert.Single(Store.Snapshot().Clients).Name);
        Assert.Equal(Codes.NameTaken, RegisterAgain("dave").Code);
    }

    private Rejected RegisterAgain(string name)
    {
        var p = CreateTestProbe();
        Gateway.Tell(new Register(name), p.Ref);
        return p.ExpectMsg<Rejected>(TimeSpan.FromSeconds(10));
    }

    /// <summary>A client whose actor system is gone: an Identify sent to it comes back with no subject, as Akka answers
    /// one sent to a dead endpoint (through dead letters).</summary>
    private sealed class GoneRef(ExtendedActorSystem system, string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(system.Provider.DefaultAddress) / "user" / name;
        public override IActorRefProvider Provider => system.Provider;

        protected override void TellInternal(object message, IActorRef sender)
        {
            if (message is Identify id) sender.Tell(new ActorIdentity(id.MessageId, null));
        }
    }

    /// <summary>A client whose process is unreachable: it takes every message (Identify, watch) and answers none.</summary>
    private sealed class SilentRef(ExtendedActorSystem system, string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(system.Provider.DefaultAddress) / "user" / name;
        public override IActorRefProvider Provider => system.Provider;
    }
}
