using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Association churn: a peer that connects, writes an Akka handshake with a fresh origin and hangs up, again and
/// again. Akka.Remote kept an endpoint (ReliableDeliverySupervisor) per origin for days: 37,642 of them after 40,000
/// handshakes, 600 MB. <see cref="OriginLedger"/> caps the origins of one host and has Akka drop the endpoint of one
/// that serves no session.
/// </summary>
public sealed class OriginLedgerSpecs
{
    private static readonly Address Alice = new("akka.tcp", "switchboard-client", "10.0.0.1", 4000);
    private static readonly Address Bob = new("akka.tcp", "switchboard-client", "10.0.0.2", 4000);

    private sealed class Recorder
    {
        public long Now;
        public readonly List<Address> Forgotten = [];
        public OriginLedger Ledger(int perHost) => new(perHost, TimeSpan.FromMinutes(1), () => Now, Forgotten.Add);
    }

    [Fact]
    public void A_host_is_refused_origins_past_its_cap_until_closed_ones_are_a_window_old()
    {
        var r = new Recorder();
        var ledger = r.Ledger(perHost: 2);
        Assert.True(ledger.TryOpen(Alice, "127.0.0.1", out _));
        Assert.True(ledger.TryOpen(Bob, "127.0.0.1", out _));
        Assert.True(ledger.TryOpen(Alice, "127.0.0.1", out _)); // a second association of a known origin
        var carol = new Address("akka.tcp", "c", "10.0.0.3", 4000);
        Assert.False(ledger.TryOpen(carol, "127.0.0.1", out var first));
        Assert.True(first);
        Assert.False(ledger.TryOpen(carol, "127.0.0.1", out first));
        Assert.False(first); // one warning a window
        Assert.True(ledger.TryOpen(new Address("akka.tcp", "c", "10.0.0.5", 4000), "127.0.0.2", out _)); // another host's own count

        ledger.Closed(Bob);
        r.Now += 59_999;
        Assert.False(ledger.TryOpen(carol, "127.0.0.1", out _));
        r.Now += 1;
        Assert.True(ledger.TryOpen(new Address("akka.tcp", "c", "10.0.0.4", 4000), "127.0.0.1", out _));
        Assert.Equal(2, ledger.OriginsOf("127.0.0.1"));
    }

    [Fact]
    public void An_origin_is_forgotten_once_closed_unless_it_was_given_a_session_or_is_a_node()
    {
        var r = new Recorder();
        var ledger = r.Ledger(perHost: 10);
        var node = new Address("akka.tcp", "switchboard", "10.0.0.9", 4053);
        foreach (var a in new[] { Alice, Bob, node }) Assert.True(ledger.TryOpen(a, "127.0.0.1", out _));
        Assert.True(ledger.TryOpen(Alice, "127.0.0.1", out _)); // alice twice
        ledger.Keep(Bob); // given a session: the two sides watch each other, Akka keeps it
        ledger.Keep(node); // reached the door

        foreach (var a in new[] { Alice, Bob, node })
        {
            ledger.Closed(a);
            ledger.Disassociated(a);
        }
        Assert.Empty(r.Forgotten); // alice has another live association
        ledger.Closed(Alice);
        ledger.Disassociated(Alice);
        Assert.Equal([Alice], r.Forgotten);
    }

    /// <summary>The real transport stack (DotNetty, PeerAddressTransport, Akka's protocol layer) in this process,
    /// churned from loopback with fresh origins, as <c>churn.py ... unique</c> does.</summary>
    [Fact]
    public async Task Handshake_churn_with_fresh_origins_leaves_no_endpoints_and_is_capped_per_host()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.loglevel = ERROR
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            switchboard.origins { per-host = 30, window = 10m }
            """).WithFallback(SwitchboardConfig.Load(Path.Combine(RepoRoot.Find(), "hocon", "server.hocon")));
        using var system = ActorSystem.Create("switchboard", config);
        var port = ((ExtendedActorSystem)system).Provider.DefaultAddress.Port!.Value;
        var ledger = OriginLedger.For(system);
        var manager = (ActorRefWithCell)await system.ActorSelection("/system/endpointManager").ResolveOne(TimeSpan.FromSeconds(10).Scaled());
        int Endpoints() => manager.Children.Count(c => c.Path.Name.StartsWith("reliableEndpointWriter-", StringComparison.Ordinal));

        // Bob stays connected: a live association's endpoint stays.
        using var bob = await RawAkka.HandshakeAsync(port, "10.1.0.1", uid: 1);
        await Eventually.HoldsAsync(() => Endpoints() == 1, TimeSpan.FromSeconds(20), () => $"bob's endpoint: {Endpoints()} endpoints");

        var ended = new ConcurrentDictionary<Address, bool>();
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new Ends(ended))), typeof(DisassociatedEvent));
        for (var i = 0; i < 50; i++)
            (await RawAkka.HandshakeAsync(port, $"10.0.0.{i + 1}", uid: (ulong)i + 100)).Dispose();

        // 29 more origins than bob's are admitted, the other 21 refused before Akka sees them. Once Akka has ended the
        // 29 associations (each had its endpoint by then), their endpoints go; bob's stays.
        await Eventually.HoldsAsync(() => ended.Count >= 29, TimeSpan.FromSeconds(30), () => $"{ended.Count} of 29 associations ended");
        await Eventually.HoldsAsync(() => Endpoints() == 1, TimeSpan.FromSeconds(30),
            () => $"{Endpoints()} endpoints left after 50 handshakes that hung up (bob's alone should stay)");
        Assert.Equal(29, ended.Count);
        Assert.Equal(30, ledger.OriginsOf("127.0.0.1"));
    }

    private sealed class Ends : ReceiveActor
    {
        public Ends(ConcurrentDictionary<Address, bool> ended) =>
            Receive<DisassociatedEvent>(e => ended[e.RemoteAddress] = true);
    }
}
