using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Dispatch.SysMsg;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// A stranger who reaches the port, speaking raw Akka.Remote, tries each class of attack on a real server while a real
/// client goes on: it can do nothing but register.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class HostilePeerSpecs
{
    private static readonly string[] Targets =
        ["/user/state", "/user/gateway", "/user/rooms", "/system/endpointManager", "/system/remote-watcher", "/system", "/user", "/"];

    private static readonly string[] Wildcards = ["/user/gateway/*", "/user/*", "/system/*", "/system/endpointManager/*", "/*"];

    /// <summary>Registers a marker through the peer's own association: once it is answered, everything the peer sent
    /// before it has been taken in by the server (one association delivers in order).</summary>
    private static async Task<ISwitchboardMessage> BarrierAsync(HostilePeer mallory, ServerNode server, string name)
    {
        mallory.At($"switchboard@{server.Address}", "/user/gateway").Tell(new Register(name), mallory.Inbox.Receiver);
        while (true)
        {
            // Earlier refusals (of the attack itself) may come first; the marker's answer is the registration.
            if (await mallory.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled()) is Registered r) return r;
        }
    }

    /// <summary>What is already in the peer's inbox (and arrives within a moment).</summary>
    private static List<object> Drain(HostilePeer mallory) => mallory.Drain(TimeSpan.FromMilliseconds(300));

    /// <summary>The actor system address (<c>switchboard-client@HOST:PORT</c>) a client registered <paramref name="name"/>
    /// from, as the server logged it.</summary>
    // The log line comes from Akka's log actor, after the client may already have its answer: waited for, not assumed.
    private static async Task<string> ClientAddress(ServerNode server, string name)
    {
        var pattern = new Regex(@"connect from akka\.tcp://(switchboard-client@127\.0\.0\.1:\d+) as '" + name + "'");
        await Eventually.HoldsAsync(() => pattern.IsMatch(server.Process.StdErr), TimeSpan.FromSeconds(30),
            () => $"no 'connect from' line for {name}; stderr:\n{server.Process.StdErr}");
        return pattern.Match(server.Process.StdErr).Groups[1].Value;
    }

    private static async Task AssertServesAsync(ServerNode server, ClientSession alice)
    {
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await alice.SendAsync($"prime {i + 2}")).GetProperty("code").GetInt32());
        await using var carol = await server.ConnectAsync("carol" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(200, carol.Registration.GetProperty("code").GetInt32());
        Assert.False(server.Process.HasExited);
        Assert.DoesNotContain("the registry stopped", server.Process.StdErr);
    }

    [Fact]
    public async Task Nothing_a_stranger_sends_stops_kills_terminates_watches_or_deploys_and_the_node_serves_on()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        using var mallory = new HostilePeer();
        var dropped = mallory.DroppedAsync(TimeSpan.FromSeconds(30));
        var node = $"switchboard@{server.Address}";
        foreach (var path in Targets.Concat(Wildcards))
        {
            mallory.At(node, path).Tell(PoisonPill.Instance);
            mallory.At(node, path).Tell(Kill.Instance);
            mallory.At(node, path).Tell(new Identify("where"), mallory.Inbox.Receiver);
        }
        foreach (var path in Targets)
        {
            var target = (IInternalActorRef)mallory.Ref(node, path);
            target.Tell(PoisonPill.Instance);
            target.Tell(Kill.Instance);
            target.SendSystemMessage(new Terminate());
            target.SendSystemMessage(new Watch(target, (IInternalActorRef)mallory.Inbox.Receiver));
            target.SendSystemMessage(new Suspend());
        }
        // Remote deployment: an actor of the peer's choosing on the server.
        mallory.System.ActorOf(Props.Create(() => new Echo()).WithDeploy(Deploy.None.WithScope(new RemoteScope(Address.Parse($"akka.tcp://{node}")))), "planted");

        // System messages travel on Akka's reliable channel: refusing one costs the stranger its association (the
        // sign that the server has read this far), so the marker comes from a second stranger.
        await dropped;
        using var second = new HostilePeer();
        Assert.IsType<Registered>(await BarrierAsync(second, server, "mallory2"));
        await AssertServesAsync(server, alice);
        // Identify named nothing: no session, gateway or system actor answered with itself. (The root guardian, where
        // every selection lands, answers for itself: that "/" exists is no secret, and it takes nothing else.)
        foreach (var m in Drain(mallory))
            Assert.False(m is ActorIdentity { Subject: not null } id && !id.Subject.IsNobody() && id.Subject.Path.Elements.Count > 0,
                $"a stranger found {(m as ActorIdentity)?.Subject}");
    }

    [Fact]
    public async Task A_stranger_can_neither_find_nor_use_a_session_nor_forge_node_traffic()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        using var mallory = new HostilePeer();
        var node = $"switchboard@{server.Address}";
        var me = mallory.Inbox.Receiver;
        // The session's old, guessable path, and anything the gateway has.
        foreach (var path in new[] { "/user/gateway/alice", "/user/gateway/*" })
        {
            mallory.At(node, path).Tell(new Request(1, "add", ["1", "1"]), me);
            mallory.At(node, path).Tell(new Unregister(2), me);
            mallory.At(node, path).Tell(new Ack(long.MaxValue), me);
            mallory.At(node, path).Tell(new ActorIdentity("probe", null), me);
        }
        mallory.Ref(node, "/user/gateway/alice").Tell(new Unregister(3), me);
        // Node traffic, by selection and directly: deliveries, broadcasts, room messages (and their history).
        foreach (var path in new[] { "/user/gateway", "/user/rooms" })
        {
            mallory.At(node, path).Tell(new Deliver(4, "bob", "alice", "forged dm", me), me);
            mallory.At(node, path).Tell(new Fanout("bob", null, "forged broadcast", me), me);
            mallory.At(node, path).Tell(new Fanout("bob", "#games", "forged room", me), me);
            mallory.Ref(node, path).Tell(new Deliver(5, "bob", "alice", "forged dm", me), me);
            mallory.Ref(node, path).Tell(new Fanout("bob", "#games", "forged room", me), me);
        }
        // A Register whose sender path names one of the server's own actors.
        mallory.At(node, "/user/gateway").Tell(new Register("sneaky"), mallory.Ref(node, "/user/state"));

        Assert.IsType<Registered>(await BarrierAsync(mallory, server, "mallory"));
        Assert.Equal(200, (await alice.SendAsync("join games")).GetProperty("code").GetInt32());
        var who = await alice.SendAsync("who");
        var names = who.GetProperty("result").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToArray();
        Assert.Equal(["alice", "mallory"], names.Order());
        var rooms = await alice.SendAsync("rooms");
        Assert.All(rooms.GetProperty("result").EnumerateArray(), r => Assert.Equal(0, r.GetProperty("history").GetInt32()));
        Assert.DoesNotContain("forged", alice.Process.StdOut);
        // Nothing answered the stranger but its own registration.
        foreach (var m in Drain(mallory))
            Assert.False(m is Reply or Delivered or ISwitchboardMessage and not Registered, $"a stranger got {m}");
        await AssertServesAsync(server, alice);
    }

    [Fact]
    public async Task A_client_cannot_make_its_own_session_answer_or_dial_a_reply_address_of_its_choosing()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        using var mallory = new HostilePeer();
        var session = ((Registered)await BarrierAsync(mallory, server, "mallory")).Session;
        var me = mallory.Inbox.Receiver;
        // A listener no node traffic ever goes to: a forged DM's reply address names it, which the node must not dial.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var elsewhere = mallory.Ref($"switchboard@127.0.0.1:{port}", "/user/anything");
            // What only the node hands a session, sent by the session's own client (which holds the capability).
            session.Tell(new Deliver(7, "boss", "mallory", "forged dm", elsewhere), me);
            session.Tell(new Deliver(8, "boss", "mallory", "forged dm", me), me);
            session.Tell(new Fanout("boss", null, "forged broadcast", me), me);
            // Once a request on the same association is answered, the session has taken in all of the above.
            session.Tell(new Request(9, "add", ["1", "1"]), me);
            var seen = new List<object>();
            while (await mallory.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled()) is var m && m is not Reply { Id: 9 }) seen.Add(m);
            seen.AddRange(Drain(mallory));
            Assert.DoesNotContain(seen, m => m is Delivered or Incoming);
            Assert.False(listener.Pending(), "the node dialled the reply address a client chose");
        }
        finally
        {
            listener.Stop();
        }
        await AssertServesAsync(server, alice);
    }

    [Fact]
    public async Task A_peer_claiming_a_live_clients_address_is_refused_and_the_client_keeps_its_replies()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        var port = (await ClientAddress(server, "alice")).Split(':')[1];
        // Bound to a port of its own, it writes alice's address as its origin in its handshake (what any peer may write):
        // Akka would take it for alice's system restarted and send it what is alice's.
        using var mallory = new HostilePeer($"akka.remote.dot-netty.tcp {{ public-hostname = 127.0.0.1, public-port = {port} }}");
        mallory.At($"switchboard@{server.Address}", "/user/gateway").Tell(new Register("mallory"), mallory.Inbox.Receiver);
        await Eventually.HoldsAsync(() => server.Process.StdErr.Contains("refused an association") || server.Process.StdErr.Contains("as 'mallory'"),
            TimeSpan.FromSeconds(30), () => "the server neither refused nor took the impostor's association");
        // Alice's replies still reach alice, and nothing of hers reached the impostor.
        await AssertServesAsync(server, alice);
        Assert.DoesNotContain(Drain(mallory), m => m is ISwitchboardMessage);
        Assert.Contains($"refused an association from 127.0.0.1 claiming akka.tcp://switchboard-client@127.0.0.1:{port}", server.Process.StdErr);
    }

    [Fact]
    public async Task A_peer_passing_for_the_server_to_a_client_gets_none_of_its_requests()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        var address = await ClientAddress(server, "alice");
        // The server's own address in its handshake, to the client's actor system.
        using var mallory = new HostilePeer($"akka.remote.dot-netty.tcp {{ public-hostname = 127.0.0.1, public-port = {server.Port} }}", "switchboard");
        var lifecycle = Inbox.Create(mallory.System);
        mallory.System.EventStream.Subscribe(lifecycle.Receiver, typeof(Akka.Remote.RemotingLifecycleEvent));
        mallory.At(address, "/user/*").Tell(new Identify("who"), mallory.Inbox.Receiver);
        // Once the client has taken or refused the association (its handshake answered, or the connection dropped).
        await lifecycle.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled());
        // Alice's requests still reach the server and are answered.
        await AssertServesAsync(server, alice);
        Assert.DoesNotContain(Drain(mallory), m => m is ISwitchboardMessage);
    }

    [Fact]
    public async Task A_stranger_cannot_reach_a_clients_own_actor_system()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        var address = await ClientAddress(server, "alice");
        using var mallory = new HostilePeer();
        var dropped = mallory.DroppedAsync(TimeSpan.FromSeconds(30));
        foreach (var path in new[] { "/user/*", "/user/client", "/system/*", "/*" })
        {
            mallory.At(address, path).Tell(new Incoming("boss", "forged incoming", true, null, false));
            mallory.At(address, path).Tell(new Reply(2, 200, 2, 2, OpValue.Of("forged reply"), null));
            mallory.At(address, path).Tell(Kill.Instance);
            mallory.At(address, path).Tell(PoisonPill.Instance);
        }
        foreach (var path in new[] { "/user/client", "/user", "/" })
        {
            var target = (IInternalActorRef)mallory.Ref(address, path);
            target.Tell(new Incoming("boss", "forged incoming", true, null, false));
            target.SendSystemMessage(new Terminate());
        }
        // The client answers nothing a stranger sends; refusing the system message drops the stranger's association,
        // by which time everything sent before it has been read.
        await dropped;
        Assert.Equal(200, (await alice.SendAsync("prime 13")).GetProperty("code").GetInt32());
        Assert.DoesNotContain("forged", alice.Process.StdOut);
        Assert.False(alice.Process.HasExited);
    }

    [Fact]
    public async Task One_peer_cannot_take_the_name_table()
    {
        await using var server = await ServerNode.StartAsync();
        using var mallory = new HostilePeer();
        var gateway = mallory.At($"switchboard@{server.Address}", "/user/gateway");
        for (var i = 0; i < 150; i++) gateway.Tell(new Register($"squat{i}"), mallory.Inbox.Receiver);
        var answers = new List<object>();
        // Her registered sessions also push presence notices into the same inbox: only the gateway's answers count.
        while (answers.Count < 150)
            if (await mallory.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled()) is (Registered or Rejected) and var answer) answers.Add(answer);
        Assert.Equal(64, answers.Count(a => a is Registered));
        Assert.All(answers.OfType<Rejected>(), r => Assert.Equal(Codes.RateLimited, r.Code));
        await using var carol = await server.ConnectAsync("carol");
        Assert.Equal(200, carol.Registration.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Ten_thousand_malformed_oversized_and_out_of_order_messages_leave_every_other_clients_requests_answered()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        using var mallory = new HostilePeer();
        var node = $"switchboard@{server.Address}";
        var gateway = mallory.At(node, "/user/gateway");
        var random = new Random(1234);
        string[] manifests = ["reg", "regd", "rej", "unreg", "req", "rep", "who", "whor", "say", "tell", "join", "leave", "rooms", "roomsr",
            "pres", "ack", "in", "presev", "presb", "drop", "dlv", "dlvd", "fan", "nope", ""];
        var flood = Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                var bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
                switch (i % 8)
                {
                    case 0: gateway.Tell(new Junk(manifests[random.Next(manifests.Length)], bytes), mallory.Inbox.Receiver); break;
                    case 1: gateway.Tell(new Register(new string('x', random.Next(33, 5000))), mallory.Inbox.Receiver); break;
                    case 2: gateway.Tell(new Unregister(i), mallory.Inbox.Receiver); break;
                    case 3: gateway.Tell(new Request(i, "add", ["1", "2"]), mallory.Inbox.Receiver); break;
                    case 4: mallory.At(node, "/user/gateway/alice").Tell(new Ack(-i), mallory.Inbox.Receiver); break;
                    case 5: mallory.Ref(node, $"/user/{i}").Tell(new Junk("req", bytes)); break;
                    case 6: mallory.At(node, "/user/state").Tell(new Request(i, "prime", ["7"])); break;
                    default: gateway.Tell(new Register(i % 3 == 0 ? "" : "bad name!"), mallory.Inbox.Receiver); break;
                }
            }
        });
        var codes = new List<int>();
        for (var i = 0; i < 100; i++) codes.Add((await alice.SendAsync($"calc {i} + 1")).GetProperty("code").GetInt32());
        await flood;
        Assert.IsType<Registered>(await BarrierAsync(mallory, server, "mallory"));
        Assert.All(codes, c => Assert.Equal(200, c));
        await AssertServesAsync(server, alice);
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }
}
