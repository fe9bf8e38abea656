using Akka.Actor;
using Akka.Dispatch;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Gateway;

/// <summary>Gateway, session, state and rooms actors wired as in the server, over an in-memory store. Time is the
/// spec's: the rate limit reads <see cref="Clock"/>, and the registry looks at presence only on <see cref="Look"/>.</summary>
public abstract class ServerActorsFixture : TestKit
{
    protected readonly InMemoryStateStore Store = new("test:1");
    protected readonly ServerSummary Summary = new();
    protected readonly ManualClock Clock = new();
    protected readonly IActorRef State;
    protected readonly IActorRef Gateway;
    protected readonly IActorRef Rooms;

    protected ServerActorsFixture(string? hocon) : base(ActorTestConfig.Server(hocon))
    {
        var config = Sys.Settings.Config;
        var state = StateSettings.Create(config) with { MaintainInterval = TimeSpan.FromHours(1) };
        State = Sys.ActorOf(RegistryActor.ForSegment(StoreForState(), state, Summary, "test:1", DoorName), "state");
        Rooms = Sys.ActorOf(RoomsActor.Props(RoomsSettings.Create(config), State, DoorName), "rooms");
        var services = Services = new SessionServices(State, Rooms, OperationRegistry.Default, Settings(SessionSettings.Create(config)), Clock, Accounts: Accounts(),
            History: History(), Remote: Remote());
        // Spec probes are local actors: the production rule "clients are other actor systems" is off here.
        var registration = Registration(RegistrationSettings.Create(config) with { RemoteClientsOnly = false });
        Gateway = Sys.ActorOf(GatewayActor.Props(services, new GatewaySettings("test:1", DoorName, registration, Token())), "gateway");
    }

    /// <summary>What the gateway gives its sessions.</summary>
    protected SessionServices Services { get; }

    /// <summary>This node's door for the other nodes, a child of the gateway.</summary>
    protected const string DoorName = "node-testkey";

    /// <summary>The node's accounts (none by default, as in cluster mode).</summary>
    protected virtual IActorRef? Accounts() => null;

    /// <summary>The node's history (none by default, as without a data store).</summary>
    protected virtual HistoryDesk? History() => null;

    /// <summary>Other nodes' clients, as cluster mode's node directory knows them (none by default).</summary>
    protected virtual IRemoteDelivery? Remote() => null;

    /// <summary>The registration token a spec requires (none by default).</summary>
    protected virtual TokenCheck Token() => TokenCheck.None;

    /// <summary>The hocon's registration limits; a spec class may tighten them.</summary>
    protected virtual RegistrationSettings Registration(RegistrationSettings hocon) => hocon;

    /// <summary>The store the state actor uses; a spec may wrap <see cref="Store"/>.</summary>
    protected virtual IStateStore StoreForState() => Store;

    /// <summary>The hocon defaults, with a shorter probe; a spec class may tighten the limits.</summary>
    protected virtual SessionSettings Settings(SessionSettings hocon) => hocon with { ProbeTimeout = TimeSpan.FromMilliseconds(500) };

    /// <summary>Has the registry look at presence now (heartbeat, reap, announce who came and went).</summary>
    protected void Look() => State.Tell(MaintainNow.Instance);

    protected Registered RegisterAs(string name, Akka.TestKit.TestProbe client)
    {
        Gateway.Tell(new Register(name), client.Ref);
        return client.ExpectMsg<Registered>();
    }
}

/// <summary>Registration, requests, sequence numbers and session lifetime.</summary>
public class ServerActorSpecs : ServerActorsFixture
{
    public ServerActorSpecs() : this(null) { }

    protected ServerActorSpecs(string? hocon) : base(hocon) { }

    [Fact]
    public void Registration_replies_with_the_session_client_seq_1_and_the_current_server_seq()
    {
        var alice = CreateTestProbe();
        var r = RegisterAs("alice", alice);
        Assert.Equal(1, r.ClientSeq);
        Assert.Equal(1, r.ServerSeq);
        Assert.Equal("test:1", r.Node);

        var bob = CreateTestProbe();
        Assert.Equal(2, RegisterAs("bob", bob).ServerSeq);
    }

    [Fact]
    public void Second_registration_of_an_online_name_is_refused_with_409()
    {
        RegisterAs("alice", CreateTestProbe());
        var other = CreateTestProbe();
        Gateway.Tell(new Register("alice"), other.Ref);
        Assert.Equal(Codes.NameTaken, other.ExpectMsg<Rejected>().Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ümlaut")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public void Invalid_names_are_refused_with_422_before_any_claim(string name)
    {
        var c = CreateTestProbe();
        Gateway.Tell(new Register(name), c.Ref);
        Assert.Equal(Codes.Invalid, c.ExpectMsg<Rejected>().Code);
        Assert.Empty(Store.Snapshot().Clients);
    }

    [Fact]
    public void Sequence_numbers_count_every_reply_failed_ones_too_per_client_and_globally()
    {
        var alice = CreateTestProbe();
        var bob = CreateTestProbe();
        var a = RegisterAs("alice", alice);   // serverSeq 1
        var b = RegisterAs("bob", bob);       // serverSeq 2

        a.Session.Tell(new Request(1, "add", ["1", "2"]), alice.Ref);
        var r1 = alice.ExpectMsg<Reply>();
        Assert.Equal((200, 2L, 3L, 3L), (r1.Code, r1.ClientSeq, r1.ServerSeq, r1.Value.Number));

        a.Session.Tell(new Request(2, "div", ["1", "0"]), alice.Ref);
        var r2 = alice.ExpectMsg<Reply>();
        Assert.Equal((422, 3L, 4L, "division by zero"), (r2.Code, r2.ClientSeq, r2.ServerSeq, r2.Error));

        b.Session.Tell(new Request(7, "nope", []), bob.Ref);
        var r3 = bob.ExpectMsg<Reply>();
        Assert.Equal((300, 7L, 2L, 5L), (r3.Code, r3.Id, r3.ClientSeq, r3.ServerSeq));
        Assert.Equal(3, Store.Snapshot().TotalRequests);
        Assert.Equal(5, Store.Snapshot().ServerSeq);
    }

    [Fact]
    public void Requests_keep_their_order_and_ids()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        for (var i = 1; i <= 100; i++) s.Tell(new Request(i, "even", [i.ToString()]), alice.Ref);
        for (var i = 1; i <= 100; i++)
        {
            var r = alice.ExpectMsg<Reply>();
            Assert.Equal(i, r.Id);
            Assert.Equal(i + 1, r.ClientSeq);
            Assert.Equal(i % 2 == 0 ? "even" : "odd", r.Value.Text);
        }
    }

    [Fact]
    public void Session_refuses_requests_from_anyone_but_its_client()
    {
        var alice = CreateTestProbe();
        var mallory = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        s.Tell(new Request(1, "add", ["1", "1"]), mallory.Ref);
        Assert.Equal(Codes.Unauthorized, mallory.ExpectMsg<Reply>().Code);
        s.Tell(new Unregister(2), mallory.Ref);
        Assert.Equal(Codes.Unauthorized, mallory.ExpectMsg<Reply>().Code);
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Single(Store.Snapshot().Clients);
    }

    [Fact]
    public void Unregister_counts_its_reply_frees_the_name_and_stops_the_session()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        Watch(s);
        s.Tell(new Unregister(9), alice.Ref);
        var r = alice.ExpectMsg<Reply>();
        Assert.Equal((200, 9L, 2L), (r.Code, r.Id, r.ClientSeq));
        ExpectTerminated(s);
        // Released before the reply was sent: registering again at once finds the name free.
        Assert.Equal(1, RegisterAs("alice", CreateTestProbe()).ClientSeq);
    }

    [Fact]
    public void A_session_whose_slot_was_lost_answers_503_and_ends_so_its_client_registers_again()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        Watch(s);
        Assert.True(Store.Release(new SlotHandle(0, 1))); // dropped behind the session's back (a torn slot, a reap)
        s.Tell(new Request(1, "add", ["1", "1"]), alice.Ref);
        Assert.Equal(Codes.Unavailable, alice.ExpectMsg<Reply>().Code);
        ExpectTerminated(s);
        Assert.Equal(1, RegisterAs("alice", CreateTestProbe()).ClientSeq);
    }

    [Fact]
    public void Should_free_name_when_client_dies()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        Watch(s);
        Sys.Stop(alice.Ref);
        ExpectTerminated(s);
        AwaitAssert(() => Assert.Empty(Store.Snapshot().Clients), TimeSpan.FromSeconds(3));
        Assert.Equal(1, RegisterAs("alice", CreateTestProbe()).ClientSeq);
    }

    [Fact]
    public void Summary_lists_each_session_and_its_requests_when_the_state_actor_stops()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        s.Tell(new Request(1, "prime", ["7"]), alice.Ref);
        alice.ExpectMsg<Reply>();
        s.Tell(new Request(2, "prime", ["x"]), alice.Ref);
        alice.ExpectMsg<Reply>();
        RegisterAs("bob", CreateTestProbe());

        Watch(State);
        Sys.Stop(State);
        ExpectTerminated(State);
        Assert.True(Summary.IsComplete);
        Assert.Equal([("alice", 2L), ("bob", 0L)], Summary.Sessions.OrderBy(x => x.Name).Select(x => (x.Name, x.Requests)).ToArray());
        Assert.Contains("total", Summary.Render());
    }

    [Fact]
    public void Sessions_run_on_the_session_dispatcher_of_the_configured_type()
    {
        var s = RegisterAs("alice", CreateTestProbe()).Session;
        var cell = (ActorRefWithCell)s;
        Assert.Equal("session-dispatcher", cell.Underlying.Props.Dispatcher);
        var pinned = Sys.Settings.Config.GetString("session-dispatcher.type") == "PinnedDispatcher";
        Assert.Equal(pinned, ((ActorCell)cell.Underlying).Dispatcher is PinnedDispatcher);
    }
}

/// <summary>The same server with hocon switching sessions to one thread each, as in the seed.</summary>
public sealed class PinnedSessionSpecs() : ServerActorSpecs("session-dispatcher.type = PinnedDispatcher")
{
    [Fact]
    public void Sessions_get_a_pinned_dispatcher_when_hocon_says_so_and_still_serve()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        Assert.IsType<PinnedDispatcher>(((ActorCell)((ActorRefWithCell)s).Underlying).Dispatcher);
        s.Tell(new Request(1, "mul", ["6", "7"]), alice.Ref);
        Assert.Equal(42, alice.ExpectMsg<Reply>().Value.Number);
    }
}

/// <summary>Liveness of a client by a probe only it can answer (Akka's heartbeats can be forged by a peer). The
/// session's timers run on the TestKit's virtual clock: the intervals pass when the spec says, not on the wall.</summary>
public sealed class LivenessSpecs() : ServerActorsFixture("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    protected override SessionSettings Settings(SessionSettings hocon) => base.Settings(hocon) with { LivenessInterval = Interval };

    [Fact]
    public void A_client_that_stops_answering_loses_its_session_whatever_heartbeats_say()
    {
        // A hung client: alive (no Terminated, no dropped connection) but its actor takes nothing in.
        using var release = new ManualResetEventSlim();
        var hung = Sys.ActorOf(Props.Create(() => new HungClient(release)));
        Gateway.Tell(new Register("hung"), hung);
        AwaitAssert(() => Assert.Single(Store.Snapshot().Clients));
        hung.Tell("block");
        // One interval per look: a tick that finds the client silent asks it, the next one finds no answer.
        AwaitAssert(() =>
        {
            Scheduler.Advance(Interval);
            Assert.Empty(Store.Snapshot().Clients);
        });
        release.Set();
    }

    [Fact]
    public void A_client_that_answers_keeps_its_session_however_long_it_is_silent()
    {
        var quiet = CreateTestProbe(); // its actor cell answers Identify, as a live client's does
        var session = RegisterAs("quiet", quiet).Session;
        var stranger = CreateTestProbe();
        // The session has handled everything sent to it before this (a stranger is answered 401 in mailbox order).
        void Settled()
        {
            stranger.Send(session, new Who(0));
            Assert.Equal(Codes.Unauthorized, stranger.ExpectMsg<Reply>().Code);
        }
        for (var i = 0; i < 10; i++)
        {
            Scheduler.Advance(Interval);
            Settled(); // the tick: the session asked quiet, or not
            stranger.Send(quiet.Ref, new Identify(i));
            stranger.ExpectMsg<ActorIdentity>(); // quiet answered what the session asked before this
            Settled(); // and the session has its answer
        }
        // Ten intervals of silence, each answered: the session (which would have ended at the third) is still there.
        Assert.Contains(Store.Snapshot().Clients, c => c.Name == "quiet");
    }

    private sealed class HungClient : ReceiveActor
    {
        public HungClient(ManualResetEventSlim release)
        {
            Receive<string>(_ => release.Wait(TimeSpan.FromSeconds(30).Scaled()));
            ReceiveAny(_ => { });
        }
    }
}
