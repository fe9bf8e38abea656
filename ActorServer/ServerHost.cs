using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Messages;
using Switchboard.Server.Actors;
using Switchboard.Server.Logging;
using Switchboard.Server.Operations;
using Switchboard.Server.State;

namespace Switchboard.Server;

public sealed record ServerOptions(string Host, int Port, string Segment, string? ConfigPath, bool Debug);

/// <summary>Wires the server with the generic host and Akka.Hosting, runs it until SIGINT/SIGTERM, prints the summary.</summary>
public static class ServerHost
{
    public static async Task<int> RunAsync(ServerOptions o)
    {
        if (Problem(o) is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            return 2;
        }
        // A host name becomes the address it resolves to, as clients resolve theirs: "localhost" and
        // "127.0.0.1" then name the same node (Akka.Remote drops messages sent to another spelling).
        o = o with { Host = SwitchboardConfig.CanonicalHost(o.Host) };
        if (o.Port != 0 && await IsListeningAsync(o.Host, o.Port))
        {
            // Akka binds with SO_REUSEADDR (which also allows a second listener on Linux): refuse instead of
            // splitting clients at random between two servers.
            Console.Error.WriteLine($"error: {o.Host}:{o.Port} is already in use by another process; pick another --port");
            return 1;
        }
        var hocon = SwitchboardConfig.Load(o.ConfigPath ?? SwitchboardConfig.DefaultPath("server.hocon"));
        // The node's address is its identity in the segment, so it is fixed before anything starts: a segment
        // that must be refused is then refused before remoting listens, with one clear line.
        var port = o.Port == 0 ? FreePort(o.Host) : o.Port;
        var node = $"{o.Host}:{port}";
        var overrides = SwitchboardConfig.Remoting(o.Host, port);
        if (o.Debug) overrides = overrides.WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = DEBUG"));
        var summary = new ServerSummary();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(o.Debug ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(c =>
        {
            c.SingleLine = true;
            c.TimestampFormat = "HH:mm:ss.fff ";
        });
        // Logs go to stderr; stdout carries only the "listening on" line and the summary.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        SharedSegmentStore? store = null;
        builder.Services.AddAkka("switchboard", (ab, _) =>
        {
            ab.AddHocon(hocon, HoconAddMode.Prepend)
              .AddHocon(overrides, HoconAddMode.Prepend)
              .ConfigureLoggers(l =>
              {
                  l.ClearLoggers();
                  l.AddLogger<ReadableLogger>();
              })
              .WithActors((system, registry) =>
              {
                  var settings = system.Settings.Config;
                  var opened = store ?? throw new InvalidOperationException("the segment is opened before the actor system starts");
                  var state = system.ActorOf(
                      StateActor.Props(() => opened, summary,
                          settings.GetTimeSpan("switchboard.maintain-interval", TimeSpan.FromSeconds(1)), node)
                          .WithDispatcher("state-dispatcher"),
                      "state");
                  registry.Register<StateActor>(state);
                  var rooms = system.ActorOf(RoomsActor.Props(settings.GetInt("switchboard.room-history", 50)), "rooms");
                  var sessions = new SessionSettings(OperationRegistry.Default,
                      settings.GetTimeSpan("switchboard.disconnect-probe-timeout", TimeSpan.FromSeconds(2)),
                      rooms,
                      RatePerSecond: settings.GetDouble("switchboard.rate-limit.per-second", 200),
                      RateBurst: settings.GetDouble("switchboard.rate-limit.burst", 400),
                      MaxUnacked: settings.GetInt("switchboard.max-unacked-events", 256),
                      DeliveryTimeout: settings.GetTimeSpan("switchboard.delivery-timeout", TimeSpan.FromSeconds(5)));
                  registry.Register<GatewayActor>(system.ActorOf(GatewayActor.Props(state, sessions, node), "gateway"));
              });
        });

        using var app = builder.Build();
        // A closed terminal (SIGHUP) is a shutdown like Ctrl-C: summary printed, entries and segment removed.
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
        {
            ctx.Cancel = true;
            app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        });
        try
        {
            store = SharedSegmentStore.Open(o.Segment, node,
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("segment"),
                hocon.GetTimeSpan("switchboard.mutex-timeout", TimeSpan.FromSeconds(2)));
        }
        catch (Exception ex) when (ex is SegmentException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot use segment '{o.Segment}': {ex.Message}");
            return 1;
        }
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex)
        {
            store.Dispose(); // leaves the segment as it found it (and removes it if this node was the only one)
            Console.Error.WriteLine($"error: the server did not start: {ex.GetBaseException().Message}");
            return 1;
        }
        var system = app.Services.GetRequiredService<ActorSystem>();
        Console.Out.WriteLine($"listening on {((ExtendedActorSystem)system).Provider.DefaultAddress}");
        Console.Out.Flush();
        await app.WaitForShutdownAsync();
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        Console.Out.WriteLine(summary.Render());
        return 0;
    }


    /// <summary>A usage error in the options, found before anything starts.</summary>
    private static string? Problem(ServerOptions o)
    {
        if (o.Port is < 0 or > 65535) return $"--port must be 0..65535 (0 picks a free port), not {o.Port}";
        if (!SegmentMapping.IsValidSegmentName(o.Segment)) return $"--segment '{o.Segment}' is not a valid name (letters, digits, '.', '_', '-'; no '/')";
        var config = o.ConfigPath ?? SwitchboardConfig.DefaultPath("server.hocon");
        return File.Exists(config) ? null : $"configuration file not found: {config}";
    }

    /// <summary>A port free right now, for --port 0 (the node address must be known before remoting starts).</summary>
    private static int FreePort(string host)
    {
        // The host is already resolved to an IP literal (CanonicalHost); an unresolvable one probes loopback.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.TryParse(host, out var ip) ? ip : System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> IsListeningAsync(string host, int port)
    {
        using var probe = new System.Net.Sockets.TcpClient();
        try
        {
            await probe.ConnectAsync(host, port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }
}
