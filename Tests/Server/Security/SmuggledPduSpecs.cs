using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// The node's transport reads a few fields of every PDU before Akka does (the handshake's origin, an envelope's sender),
/// and what it checks must be what Akka reads. Protobuf merges a singular message field written twice and skips an
/// unknown group; a reader that took the last occurrence, or stopped at a group, read an empty origin or no sender where
/// Akka read the real one (hostile tester hA, 2026-12-07): a handshake whose origin was written again, empty, left the
/// whole association unchecked (no origin ledger, no claim of a node's or a live client's address refused, no sender
/// checked), and an envelope whose sender was written again, empty, or preceded by an empty group, passed a sender at
/// another host: the node dialled it, as <see cref="RootSenderSpecs"/> guards against.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class SmuggledPduSpecs
{
    [Theory]
    [InlineData("repeated-sender")]
    [InlineData("group-before-envelope-fields")]
    public async Task A_sender_elsewhere_hidden_in_the_envelopes_encoding_is_dropped_and_the_node_dials_nobody(string edit)
    {
        await using var server = await ServerNode.StartAsync();
        await using var victim = new Victim();
        using var mallory = Smuggler(edit);
        var node = $"switchboard@{server.Address}";
        var elsewhere = ((ExtendedActorSystem)mallory.System).Provider.ResolveActorRef(victim.Path);
        mallory.At(node, "/").Tell(new Identify("selected"), elsewhere);
        mallory.Ref(node, "/").Tell(new Identify("direct"), elsewhere);
        mallory.Ref(node, "/system/remote-watcher").Tell(new Identify("watcher"), elsewhere);

        // The peer's own Identify, after the attack on its one association: once it is answered, the attack was judged.
        mallory.At(node, "/").Tell(new Identify("own"), mallory.Inbox.Receiver);
        Assert.Equal("own", Assert.IsType<ActorIdentity>(await mallory.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled())).MessageId);
        await victim.NotDialledAsync();
    }

    [Fact]
    public async Task A_handshake_whose_origin_is_written_twice_is_refused_and_its_messages_reach_nothing()
    {
        await using var server = await ServerNode.StartAsync();
        await using var victim = new Victim();
        using var mallory = Smuggler("repeated-origin");
        var node = $"switchboard@{server.Address}";
        var elsewhere = ((ExtendedActorSystem)mallory.System).Provider.ResolveActorRef(victim.Path);
        mallory.At(node, "/").Tell(new Identify("selected"), elsewhere);
        mallory.Ref(node, "/").Tell(new Identify("direct"), elsewhere);
        mallory.At(node, "/").Tell(new Identify("own"), mallory.Inbox.Receiver);

        await server.Process.WaitForStdErrAsync("refused the association from 127.0.0.1", TimeSpan.FromSeconds(30));
        await victim.NotDialledAsync();
        // Its own Identify reached nothing of the node: only its own dead letters answer it, with no subject.
        Assert.All(mallory.Drain(TimeSpan.FromMilliseconds(300)).OfType<ActorIdentity>(), i => Assert.True(i.Subject is null || i.Subject.IsNobody()));

        // Everyone else is served.
        await using var alice = await server.ConnectAsync("alice");
    }

    private static HostilePeer Smuggler(string edit) => new($$"""
        akka.remote.dot-netty.tcp.applied-adapters = [smuggle]
        akka.remote.adapters.smuggle = "Switchboard.Tests.Server.Security.SmugglingEgressProvider,Tests"
        switchboard-test.smuggle = {{edit}}
        """);

    /// <summary>A listening port of "another host": an actor path there, and whether the node ever dialled it.</summary>
    private sealed class Victim : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public Victim() => _listener.Start();

        public string Path => $"akka.tcp://victim@127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/user/x";

        /// <summary>Nothing dials the victim for a few seconds but the peer itself (whose Akka answers an
        /// <see cref="Identify"/> it could not deliver, to its sender): the node never does.</summary>
        public async Task NotDialledAsync()
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(3).Scaled();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3).Scaled());
            while (DateTime.UtcNow < until)
            {
                Socket dialled;
                try
                {
                    dialled = await _listener.AcceptSocketAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                using (dialled) Assert.NotEqual("switchboard", await OriginSystemAsync(dialled));
            }
        }

        // The actor system named in the dialler's handshake (a length-prefixed ASSOCIATE PDU).
        private static async Task<string?> OriginSystemAsync(Socket socket)
        {
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(10).Scaled());
            var length = new byte[4];
            await socket.ReceiveAsync(length, read.Token);
            var pdu = new byte[BitConverter.ToInt32(length)];
            for (var at = 0; at < pdu.Length;) at += await socket.ReceiveAsync(pdu.AsMemory(at), read.Token);
            return AkkaPdu.AssociateOrigin(pdu, out _, out _)?.System;
        }

        public ValueTask DisposeAsync()
        {
            _listener.Stop();
            return ValueTask.CompletedTask;
        }
    }
}
