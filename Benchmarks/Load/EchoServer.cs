using System.CommandLine;
using Akka.Actor;
using Akka.Configuration;
using Switchboard.Messages;
using Switchboard.Messages.Startup;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// The raw Akka.Remote baseline: one actor at <c>/user/echo</c> that answers every <see cref="Request"/>
/// with a <see cref="Reply"/> of the same shape as the server's (same serializer, same hocon), and
/// nothing else: no gateway, session, operation or state actor.
/// </summary>
public sealed class EchoActor : ReceiveActor
{
    private long _seq;

    public EchoActor() =>
        Receive<Request>(r =>
        {
            _seq++;
            Sender.Tell(new Reply(r.Id, Codes.Ok, _seq, _seq, OpValue.Of(80235), null));
        });

    public static Props Props() => Akka.Actor.Props.Create(() => new EchoActor());
}

public static class EchoServer
{
    /// <summary><c>echo-server --config FILE [--port 0]</c>, started by <c>load</c> as its baseline.</summary>
    public static Command Command()
    {
        var config = new Option<string>("--config") { Description = "Server hocon file (its remoting and serializer settings)", HelpName = "FILE", Required = true };
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one)", DefaultValueFactory = _ => 0 };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Over TLS (mutual), with this certificate (.pfx; password in $SWITCHBOARD_TLS_PASSWORD)", HelpName = "FILE" };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "The CA peers are checked against (with --tls-cert)", HelpName = "FILE" };
        var command = new Command("echo-server", "The load baseline: one Akka.Remote actor answering each Request; prints 'listening on ADDRESS', runs until SIGTERM")
        {
            config, port, tlsCert, tlsCa,
        };
        command.SetAction(r => Run(r.GetValue(config)!, r.GetValue(port), r.GetValue(tlsCert), r.GetValue(tlsCa)));
        return command;
    }

    public static int Run(string config, int port, string? tlsCert = null, string? tlsCa = null)
    {
        // Raw Akka.Remote: the stock provider and Akka's own serializers, without Switchboard's inbound guards
        // (whose cost the comparison then includes on our side).
        var hocon = ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.actor.serializers {
              akka-containers = "Akka.Remote.Serialization.MessageContainerSerializer, Akka.Remote"
              akka-misc = "Akka.Remote.Serialization.MiscMessageSerializer, Akka.Remote"
              akka-system-msg = "Akka.Remote.Serialization.SystemMessageSerializer, Akka.Remote"
              daemon-create = "Akka.Remote.Serialization.DaemonMsgCreateSerializer, Akka.Remote"
              proto = "Akka.Remote.Serialization.ProtobufSerializer, Akka.Remote"
            }
            """)
            .WithFallback(SwitchboardConfig.Remoting("127.0.0.1", port))
            .WithFallback(SwitchboardConfig.Load(config));
        // The same TLS as the server's (same setup, same CA validator), so the baseline pays what ours pays.
        var tls = Switchboard.Messages.Transport.Tls.TlsRemoting.ForServer(tlsCert, tlsCa, null, hocon);
        using var system = tls is null ? ActorSystem.Create("switchboard", hocon)
            : ActorSystem.Create("switchboard", BootstrapSetup.Create().WithConfig(tls.Hocon.WithFallback(hocon)).And(tls.Setup));
        system.ActorOf(EchoActor.Props(), "echo");
        var stop = new ManualResetEventSlim();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Set();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Set();
        };
        Console.Out.WriteLine($"listening on {((ExtendedActorSystem)system).Provider.DefaultAddress}");
        Console.Out.Flush();
        stop.Wait();
        system.Terminate().Wait(TimeSpan.FromSeconds(5));
        return 0;
    }
}
