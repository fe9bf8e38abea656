using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace Switchboard.Tests.Server.Security;

/// <summary>Bytes a hostile peer sends under one of the Switchboard serializer's manifests.</summary>
public sealed record Junk(string Manifest, byte[] Bytes);

/// <summary>
/// A hostile peer's serializer under the Switchboard serializer's id: real wire messages as the real one writes them,
/// and <see cref="Junk"/> as whatever bytes the attacker chose.
/// </summary>
public sealed class HostileSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly SwitchboardSerializer _real = new(system);

    public override int Identifier => SwitchboardSerializer.Id;

    public override string Manifest(object o) => o is Junk j ? j.Manifest : _real.Manifest(o);

    public override byte[] ToBinary(object obj) => obj is Junk j ? j.Bytes : _real.ToBinary(obj);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return _real.FromBinary(bytes, manifest);
        }
        catch (Exception ex) when (ex is not SerializationException)
        {
            throw new SerializationException(ex.Message);
        }
    }
}

/// <summary>
/// A stranger who reaches the port: a raw Akka.Remote system with Akka's stock provider and serializers (it can send
/// PoisonPill, Kill, system messages, selections anywhere, deployments) and no Switchboard client code.
/// </summary>
public sealed class HostilePeer : IDisposable
{
    public ActorSystem System { get; }
    public Inbox Inbox { get; }

    /// <param name="extraConfig">Read over the peer's own settings (its host, the host it claims, its transport).</param>
    /// <param name="systemName">Its actor system's name: a client's, or the server's to pass for a server.</param>
    public HostilePeer(string extraConfig = "", string systemName = "switchboard-client")
    {
        var config = ConfigurationFactory.ParseString(extraConfig).WithFallback(ConfigurationFactory.ParseString("""
            akka.loglevel = OFF
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, maximum-frame-size = 1000000b }
            akka.actor.serializers {
              switchboard = "Switchboard.Tests.Server.Security.HostileSerializer, Tests"
              akka-containers = "Akka.Remote.Serialization.MessageContainerSerializer, Akka.Remote"
              akka-misc = "Akka.Remote.Serialization.MiscMessageSerializer, Akka.Remote"
              akka-system-msg = "Akka.Remote.Serialization.SystemMessageSerializer, Akka.Remote"
              daemon-create = "Akka.Remote.Serialization.DaemonMsgCreateSerializer, Akka.Remote"
              proto = "Akka.Remote.Serialization.ProtobufSerializer, Akka.Remote"
            }
            akka.actor.serialization-bindings {
              "Switchboard.Tests.Server.Security.Junk, Tests" = switchboard
            }
            """))
            .WithFallback(SwitchboardConfig.Load(Path.Combine(Path.GetDirectoryName(Binaries.Client)!, "hocon", "client.hocon")));
        System = ActorSystem.Create(systemName, config);
        Inbox = Inbox.Create(System);
    }

    public ActorSelection At(string address, string path) => System.ActorSelection($"akka.tcp://{address}{path}");

    /// <summary>Registers at <paramref name="server"/>'s gateway and returns its answer (<see cref="Registered"/> or
    /// <see cref="Rejected"/>). A peer registered already hears its sessions' pushes (presence of the newcomer) in the same
    /// inbox, in any order with the gateway's answer: only the answer counts.</summary>
    public async Task<object> RegisterAsync(ServerNode server, Register register)
    {
        At($"switchboard@{server.Address}", "/user/gateway").Tell(register, Inbox.Receiver);
        while (true)
        {
            // A registration with a password waits for its hash (~0.3 s of a free core): three in a row at load ~40 on
            // 2 cores once took over 30 s (CI).
            var answer = await Inbox.ReceiveAsync(TimeSpan.FromSeconds(60).Scaled());
            if (answer is Registered or Rejected) return answer;
        }
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="session"/> and returns the code of its reply
    /// <paramref name="id"/> (what else arrives meanwhile is passed over).</summary>
    public async Task<int> AnswerAsync(IActorRef session, object message, long id, TimeSpan wait)
    {
        session.Tell(message, Inbox.Receiver);
        while (true)
            if (await Inbox.ReceiveAsync(wait.Scaled()) is IReply r && r.Id == id) return r.Code;
    }

    /// <summary>Registers <paramref name="prefix"/>0, 1, ... (<paramref name="count"/> names) at <paramref name="server"/>
    /// and reserves each it may; returns the sessions of those reserved.</summary>
    public async Task<List<IActorRef>> ReserveAsync(ServerNode server, string prefix, int count, string password, TimeSpan wait)
    {
        var sessions = new List<IActorRef>();
        for (var i = 0; i < count; i++)
        {
            if (await RegisterAsync(server, new Register($"{prefix}{i}")) is not Registered r) continue;
            if (await AnswerAsync(r.Session, new AccountCommand(1, AccountAction.Reserve, password), 1, wait) == Codes.Ok) sessions.Add(r.Session);
        }
        return sessions;
    }

    /// <summary>Server settings under which <see cref="On"/>'s addresses are hosts of their own. By default every loopback
    /// address is one host, the machine (a local peer binds any of 127.0.0.0/8); specs whose point is two hosts play them
    /// on one machine with this.</summary>
    public const string LoopbackHostsApart = "switchboard.hosts.loopback-is-one-host = off";

    /// <summary>A peer on another address <paramref name="ip"/> (127.0.0.x): it listens there, and its connections to
    /// <paramref name="server"/> leave from there, through the relay returned with it. Another host to a server with
    /// <see cref="LoopbackHostsApart"/>, the same machine to any other.</summary>
    public static (SourceRelay Relay, HostilePeer Peer) On(string ip, ServerNode server)
    {
        var relay = new SourceRelay(global::System.Net.IPAddress.Parse(ip), new global::System.Net.IPEndPoint(global::System.Net.IPAddress.Loopback, server.Port));
        var peer = new HostilePeer($$"""
            akka.remote.dot-netty.tcp { hostname = "{{ip}}", applied-adapters = [egress] }
            akka.remote.adapters.egress = "Switchboard.Tests.Server.Security.RelayedEgressProvider,Tests"
            switchboard-test.egress-relay-port = {{relay.Port}}
            """);
        return (relay, peer);
    }

    /// <summary>A direct (not selection) reference to a path on the peer's target.</summary>
    public IActorRef Ref(string address, string path) => ((ExtendedActorSystem)System).Provider.ResolveActorRef($"akka.tcp://{address}{path}");

    /// <summary>Call before sending: completes when the target drops this peer's association, as refusing one of its
    /// system messages makes it do (everything the peer sent before that message has then been read and judged).</summary>
    public Task<object> DroppedAsync(TimeSpan within)
    {
        var watcher = Inbox.Create(System);
        System.EventStream.Subscribe(watcher.Receiver, typeof(Akka.Remote.DisassociatedEvent));
        return watcher.ReceiveAsync(within.Scaled());
    }

    /// <summary>What is already in the peer's inbox, and arrives until it has been quiet for <paramref name="quiet"/>.</summary>
    public List<object> Drain(TimeSpan quiet)
    {
        var got = new List<object>();
        while (true)
        {
            try
            {
                got.Add(Inbox.Receive(quiet.Scaled()));
            }
            // The inbox's own deadline may win the race with its wait and arrive wrapped: nothing more came, either way.
            catch (Exception e) when (e is TimeoutException or AggregateException { InnerException: TimeoutException })
            {
                return got;
            }
        }
    }

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10).Scaled());
}
