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

    // A client that took its live session for lost (its check of the session timed out on a loaded server, say) and
    // registers its name again from the same actor gets that very session back. Refused 409 instead, it was stuck: the
    // session probed its client, which is this client and answered, so every retry heard "already taken" while the
    // session lived on. Nothing is registered anew: the session goes on numbering where it was, and no serverSeq,
    // registration or second claim is spent on the answer.
    [Fact]
    public void A_register_sent_again_by_the_client_its_live_session_serves_is_answered_with_that_session()
    {
        var client = CreateTestProbe();
        var first = RegisterAs("fay", client);
        first.Session.Tell(new Request(1, "add", ["1", "2"]), client.Ref);
        var before = client.ExpectMsg<Reply>();

        Gateway.Tell(new Register("fay"), client.Ref);
        Assert.Equal(first, AnswerTo(client));

        first.Session.Tell(new Request(2, "mul", ["6", "7"]), client.Ref);
        var after = client.ExpectMsg<Reply>();
        Assert.Equal((Codes.Ok, 42L, before.ClientSeq + 1, before.ServerSeq + 1), (after.Code, after.Value.Number, after.ClientSeq, after.ServerSeq));
        var store = Store.Snapshot();
        Assert.Equal("fay", Assert.Single(store.Clients).Name);
        Assert.Equal(1, store.TotalRegistrations);
    }

    // Getting the session back is its own client's alone: another client, whose Register for the name waits on the
    // holder's probe meanwhile, still hears 409, and the holder keeps its session.
    [Fact]
    public void Another_clients_register_is_still_refused_409_while_the_holder_registers_again()
    {
        var holder = CreateTestProbe();
        var first = RegisterAs("gus", holder);
        var other = CreateTestProbe();
        Gateway.Tell(new Register("gus"), other.Ref);
        Gateway.Tell(new Register("gus"), holder.Ref);

        Assert.Equal(first, AnswerTo(holder));
        Assert.Equal(Codes.NameTaken, other.ExpectMsg<Rejected>(TimeSpan.FromSeconds(10)).Code);
        first.Session.Tell(new Request(1, "even", ["4"]), holder.Ref);
        Assert.Equal(Codes.Ok, holder.ExpectMsg<Reply>().Code);
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

    // The registration's answer, as a Registered; a Rejected fails the spec with its code and error.
    private static Registered AnswerTo(Akka.TestKit.TestProbe client)
    {
        var answer = client.ExpectMsg<ISwitchboardMessage>(m => m is Registered or Rejected, TimeSpan.FromSeconds(10));
        Assert.True(answer is Registered, $"expected the client's own session back, got {answer}");
        return (Registered)answer;
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
