using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Switchboard.Messages;
using Switchboard.Server.Operations;

namespace Switchboard.Benchmarks;

/// <summary>Each operation as the session runs it: raw argument text through <see cref="OperationRegistry.Run"/>.</summary>
[MemoryDiagnoser]
public class OperationBenchmarks
{
    private readonly OperationRegistry _ops = OperationRegistry.Default;

    private string _op = "";
    private string[] _args = [];

    /// <summary>"op arg..." as a client sends it.</summary>
    [Params(
        "add 12345 67890", "sub 12345 67890", "mul 12345 67890",
        "div 9223372036854775807 12345", "mod 9223372036854775807 12345", "calc 6 * 7",
        "even -9223372036854775807", "negative -42", "prime 97",
        // the largest 64-bit prime: every Miller-Rabin witness runs in full
        "prime 9223372036854775783",
        // a large semiprime (3037000453 x 3037000493): no small factor, Miller-Rabin must reject it
        "prime 9223371873002223329",
        "div 1 0", "nope 1")]
    public string Call { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Call.Split(' ');
        _op = parts[0];
        _args = parts[1..];
    }

    [Benchmark]
    public int Run() => _ops.Run(_op, _args).Code;
}

/// <summary>The protobuf serializer: ToBinary then FromBinary for each main wire message.</summary>
[MemoryDiagnoser]
public class SerializerBenchmarks
{
    private ActorSystem _system = null!;
    private SwitchboardSerializer _serializer = null!;
    private readonly Dictionary<string, (object Message, string Manifest)> _messages = [];

    [Params("Request", "Reply", "Register", "Registered", "Tell", "Incoming")]
    public string Message { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("serbench", ConfigurationFactory.ParseString(
            "akka.loglevel = OFF\nakka.stdout-loglevel = OFF\nakka.actor.provider = remote\n" +
            "akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }"));
        _serializer = new SwitchboardSerializer((ExtendedActorSystem)_system);
        var session = _system.ActorOf(Props.Empty, "alice");
        object m = Message switch
        {
            "Request" => new Request(123456, "add", ["12345", "67890"]),
            "Reply" => new Reply(123456, 200, 123457, 987654321, OpValue.Of(80235), null),
            "Register" => new Register("alice"),
            "Registered" => new Registered(session, 1, 987654321, "127.0.0.1:4053"),
            "Tell" => new Tell(123456, "bob", "hello bob, this is a short direct message"),
            _ => new Incoming("alice", "hello bob, this is a short direct message", true, null, false),
        };
        _messages[Message] = (m, _serializer.Manifest(m));
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark]
    public object RoundTrip()
    {
        var (m, manifest) = _messages[Message];
        return _serializer.FromBinary(_serializer.ToBinary(m), manifest);
    }

    [Benchmark]
    public int ToBinary() => _serializer.ToBinary(_messages[Message].Message).Length;
}

/// <summary>A batch of DMs and answers between cluster nodes (<see cref="Switchboard.Server.Cluster.RelayedBatch"/>):
/// signed, written and read as a node's Akka.Remote does; the figure is per batch of <see cref="Items"/>.</summary>
[MemoryDiagnoser]
public class ClusterWireBenchmarks
{
    private ActorSystem _system = null!;
    private Switchboard.Server.Cluster.ClusterWireSerializer _serializer = null!;
    private Switchboard.Server.Cluster.RelayedBatch _batch = null!;
    private string _manifest = "";

    [Params(1, 16)]
    public int Items { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("wirebench", ConfigurationFactory.ParseString(
            "akka.loglevel = OFF\nakka.stdout-loglevel = OFF\nakka.actor.provider = remote\n" +
            "akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }\n" +
            $"{Switchboard.Server.Cluster.ClusterWireSerializer.SecretPath} = \"{Convert.ToBase64String(new byte[32])}\"\n" +
            "akka.actor.serializers.switchboard = \"Switchboard.Messages.SwitchboardSerializer, Switchboard.Messages\"\n" +
            "akka.actor.serialization-bindings { \"Switchboard.Messages.ISwitchboardMessage, Switchboard.Messages\" = switchboard }"));
        _serializer = new Switchboard.Server.Cluster.ClusterWireSerializer((ExtendedActorSystem)_system);
        // The other node's inbox, as a batch names it: a remote reference.
        var inbox = ((ExtendedActorSystem)_system).Provider.ResolveActorRef("akka.tcp://switchboard-node@127.0.0.2:4054/user/inbox-5f3a9c0e2b7d41a8#1234567");
        var items = new ISwitchboardMessage[Items];
        for (var i = 0; i < Items; i++)
            items[i] = i % 2 == 0 ? new Deliver(1_000_000 + i, "alice", "bob", "hello bob, this is a short direct message", inbox, 42 + i, 1_765_000_000_000)
                : new Delivered(1_000_000 + i, Codes.Ok, null);
        _batch = new Switchboard.Server.Cluster.RelayedBatch(items, "127.0.0.1:4053");
        _manifest = _serializer.Manifest(_batch);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark]
    public object RoundTrip() => _serializer.FromBinary(_serializer.ToBinary(_batch), _manifest);
}
