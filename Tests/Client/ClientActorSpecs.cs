using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Remote;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client;

/// <summary>The client actor's side of registering, events and reconnecting (the server played by probes).</summary>
public sealed class ClientActorSpecs() : TestKit(ActorTestConfig.Quiet)
{
    private static readonly Address Server = Address.Parse("akka.tcp://switchboard@127.0.0.1:1");

    /// <summary>What the console side would be told, in order.</summary>
    private sealed class RecordedEvents : IClientEvents
    {
        public readonly ConcurrentQueue<string> Seen = new();
        public readonly ConcurrentQueue<string> Refusals = new();
        public IActorRef? ReconnectedThrough;

        public void Registered(Registered registered) => Seen.Enqueue("registered");
        public void Pushed(ISwitchboardMessage message) => Seen.Enqueue(message is Incoming i ? $"message {i.Text}" : message.GetType().Name);
        public void Lost(string why) => Seen.Enqueue("lost");
        public void ReconnectRefused(int code, string error, bool final = false)
        {
            Refusals.Enqueue(error);
            Seen.Enqueue(final ? $"refused {code} for good" : $"refused {code}");
        }

        public void Reconnected(Registered registered, IActorRef client)
        {
            ReconnectedThrough = client;
            Seen.Enqueue("reconnected");
        }

        public void NeedsFreshSystem() => Seen.Enqueue("fresh system");
        public bool Behind => false;
    }

    private (IActorRef Client, Akka.TestKit.TestProbe Session, RecordedEvents Events) Online()
    {
        var events = new RecordedEvents();
        var client = Sys.ActorOf(ClientActor.Props(Server, "alice", events));
        var session = CreateTestProbe();
        var connected = new TaskCompletionSource<ISwitchboardMessage?>();
        client.Tell(new ClientActor.Connect(connected));
        client.Tell(new Registered(session.Ref, 1, 7, "127.0.0.1:1"));
        Assert.IsType<Registered>(connected.Task.Wait(TimeSpan.FromSeconds(3).Scaled()) ? connected.Task.Result : null);
        return (client, session, events);
    }

    [Fact]
    public void Registration_is_reported_before_any_event_the_session_pushes_right_after_it()
    {
        var (client, _, events) = Online();
        client.Tell(new Incoming("bob", "hi", true, null, false));
        AwaitAssert(() => Assert.Equal(["registered", "message hi"], events.Seen));
    }

    [Fact]
    public async Task When_the_session_ends_it_reports_the_loss_and_asks_for_a_fresh_actor_system()
    {
        var (client, session, events) = Online();
        Sys.Stop(session.Ref);
        AwaitAssert(() => Assert.Equal(["registered", "lost", "fresh system"], events.Seen));

        // Retired: calls are answered 400 at once, nothing goes to the old session.
        var call = new TaskCompletionSource<IReply>();
        client.Tell(new ClientActor.Call(1, new Request(1, "add", ["1", "2"]), call));
        Assert.Equal(Codes.Unreachable, (await call.Task.WaitAsync(TimeSpan.FromSeconds(3).Scaled())).Code);
    }

    [Fact]
    public void A_replacement_client_registers_again_telling_once_per_kind_of_refusal()
    {
        var events = new RecordedEvents();
        var client = Sys.ActorOf(ClientActor.Props(Server, "alice", events, reconnecting: true));
        // The name is still held (the server has not yet noticed the old connection is gone): refused, then accepted.
        for (var i = 0; i < 3; i++) client.Tell(new Rejected(Codes.NameTaken, "name 'alice' is already taken"));
        var session = CreateTestProbe();
        client.Tell(new Registered(session.Ref, 1, 11, "127.0.0.1:1"));
        AwaitAssert(() => Assert.Equal(["refused 409", "reconnected"], events.Seen));
        Assert.Equal(client, events.ReconnectedThrough);
    }

    // A client of a killed cluster node reconnects at once, before the cluster has noticed the loss: its name, held by the
    // dead node's claim, is refused 409 "already taken". Seconds later the same 409 says why (the holder's node stopped
    // answering); told once per code, the person never saw it (hD's kill -9 runs). A refusal is told again when its
    // wording changes, never when it repeats.
    [Fact]
    public void A_refusal_at_re_registration_is_told_again_when_its_wording_changes_and_not_when_it_repeats()
    {
        var events = new RecordedEvents();
        var client = Sys.ActorOf(ClientActor.Props(Server, "carol", events, reconnecting: true));
        const string Held = "name 'carol' is held by a client of node 127.0.0.3:4053, which stopped answering; the cluster frees the names it held once it has downed it (about 12 s after it went)";
        string[] answers = ["name 'carol' is already taken", "name 'carol' is already taken", Held, Held, Held];
        foreach (var error in answers) client.Tell(new Rejected(Codes.NameTaken, error));
        // A wait counting down is the same refusal.
        client.Tell(new Rejected(Codes.RateLimited, "too many wrong passwords for this name; try again in 4 s"));
        client.Tell(new Rejected(Codes.RateLimited, "too many wrong passwords for this name; try again in 8 s"));
        client.Tell(new Registered(CreateTestProbe().Ref, 1, 11, "127.0.0.1:1"));
        AwaitAssert(() => Assert.Equal(["refused 409", "refused 409", "refused 429", "reconnected"], events.Seen));
        Assert.Equal(["name 'carol' is already taken", Held, "too many wrong passwords for this name; try again in 4 s"], events.Refusals);
    }

    // A retest's finding: a guest whose name a reservation made a look-alike was told "the server stopped, or it lost
    // contact", then tried the refused name every 5 s for good and said so ("choose another name; still trying").
    [Fact]
    public async Task A_session_the_server_ends_with_a_reason_reports_it_and_a_403_at_re_registration_is_final()
    {
        var (client, _, events) = Online();
        client.Tell(new Rejected(Codes.Forbidden, "'Alice' differs only in case from the reserved name 'alice'; choose another name"));
        AwaitAssert(() => Assert.Equal(["registered", "lost", "fresh system"], events.Seen));

        var again = Sys.ActorOf(ClientActor.Props(Server, "Alice", events, reconnecting: true));
        again.Tell(new Rejected(Codes.Forbidden, "'Alice' differs only in case from the reserved name 'alice'; choose another name"));
        AwaitAssert(() => Assert.Equal(["registered", "lost", "fresh system", "refused 403 for good"], events.Seen));
        // Nothing more is tried, and calls are answered at once with why.
        var call = new TaskCompletionSource<IReply>();
        again.Tell(new ClientActor.Call(1, new Request(1, "add", ["1", "2"]), call));
        var answer = await call.Task.WaitAsync(TimeSpan.FromSeconds(3).Scaled());
        Assert.Contains("differs only in case", answer.Error);
        again.Tell(new Registered(CreateTestProbe().Ref, 1, 11, "127.0.0.1:1")); // a late answer changes nothing
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.DoesNotContain("reconnected", events.Seen);
    }

    [Fact]
    public async Task A_quarantine_while_registering_again_asks_for_another_fresh_actor_system()
    {
        var events = new RecordedEvents();
        var client = Sys.ActorOf(ClientActor.Props(Server, "alice", events, reconnecting: true));
        // Not connected yet: a call is answered 400 at once (and the actor has subscribed to remoting events).
        var call = new TaskCompletionSource<IReply>();
        client.Tell(new ClientActor.Call(1, new Request(1, "add", ["1", "2"]), call));
        Assert.Equal(Codes.Unreachable, (await call.Task.WaitAsync(TimeSpan.FromSeconds(3).Scaled())).Code);
        Sys.EventStream.Publish(new ThisActorSystemQuarantinedEvent(Address.Parse("akka.tcp://switchboard-client@127.0.0.1:2"), Server));
        AwaitAssert(() => Assert.Equal(["fresh system"], events.Seen));
    }
}
