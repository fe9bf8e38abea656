using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Hosting;

/// <param name="Monitor">HOST:PORT of the monitoring endpoint (off when null).</param>
public sealed record ServerOptions(string Host, int Port, string Segment, string? ConfigPath, bool Debug, string? TokenFile = null,
    string? Monitor = null, bool DebugAkka = false, bool JsonLogs = false, string? Data = null);

/// <summary>Wires the server with the generic host and Akka.Hosting, runs it until SIGINT/SIGTERM, prints the summary.</summary>
public static class ServerHost
{
    public static async Task<int> RunAsync(ServerOptions o, ServerTls? tlsOptions = null, ClusterOptions? cluster = null)
    {
        if (cluster is not null) return await ClusterHost.RunAsync(o, cluster, tlsOptions); // cluster mode: no segment
        if (StartChecks.Problem(o) is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            return 2;
        }
        // A host name becomes the address it resolves to, as clients resolve theirs: "localhost" and
        // "127.0.0.1" then name the same node (Akka.Remote drops messages sent to another spelling).
        o = o with { Host = SwitchboardConfig.CanonicalHost(o.Host) };
        if (!System.Net.IPAddress.TryParse(o.Host, out _))
        {
            Console.Error.WriteLine($"error: --host '{o.Host}' does not resolve to an address of this machine; give an IP (e.g. 127.0.0.1) or a known name");
            return 2;
        }
        if (o.Port != 0 && await StartChecks.IsListeningAsync(o.Host, o.Port))
        {
            // Akka binds with SO_REUSEADDR (which also allows a second listener on Linux): refuse instead of
            // splitting clients at random between two servers.
            Console.Error.WriteLine($"error: {o.Host}:{o.Port} is already in use by another process; pick another --port");
            return 1;
        }
        var (monitor, monitorExit) = await NodeWiring.MonitorAsync(o.Monitor);
        if (monitorExit is { } exit) return exit;
        ServerSettings settings;
        try
        {
            settings = ServerSettings.Load(o.ConfigPath);
        }
        catch (Exception ex) when (ex is Akka.Configuration.ConfigurationException or FormatException)
        {
            Console.Error.WriteLine($"error: bad configuration: {ex.Message}");
            return 2;
        }
        var hocon = settings.Hocon;
        if (DataStore.Open(o.Data, hocon, out var dataProblem, out var dataExit) is not { } data) // issue 21: the durable store
        {
            Console.Error.WriteLine($"error: {dataProblem}");
            return dataExit;
        }
        Switchboard.Messages.Transport.Tls.TlsRemoting? tls;
        try
        {
            tls = (tlsOptions ?? ServerTls.Off).Load(hocon);
        }
        catch (Switchboard.Messages.Transport.Tls.TlsOptionsException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        // The node's address is its identity in the segment, so it is fixed before anything starts: a segment
        // that must be refused is then refused before remoting listens, with one clear line.
        var port = o.Port == 0 ? StartChecks.FreePort(o.Host) : o.Port;
        var node = $"{o.Host}:{port}";
        var overrides = SwitchboardConfig.Remoting(o.Host, port);
        var logSwitches = NodeWiring.Switches(o);
        overrides = overrides.WithFallback(NodeWiring.AkkaLogging(logSwitches));
        var version = NodeWiring.Version;
        using var metrics = new SwitchboardMetrics(version);
        var started = DateTimeOffset.UtcNow;
        var summary = new ServerSummary();
        if (RegistrationToken.Load(o.TokenFile, out var tokenProblem) is not { } token)
        {
            Console.Error.WriteLine($"error: {tokenProblem}");
            return 2;
        }
        // Read once the segment is ours (below), before the actors that use it start.
        var doorName = "";

        var builder = Host.CreateApplicationBuilder();
        NodeWiring.Logging(builder, logSwitches);
        // The segment belongs to the host, not to an actor that may fail: created here before Akka starts, disposed
        // (this node's rows freed, the file removed by the last node) once the actor system is gone.
        builder.Services.AddSingleton<IStateStore>(sp =>
        {
            var store = SharedSegmentStore.Open(o.Segment, node, sp.GetRequiredService<ILoggerFactory>().CreateLogger("segment"), settings.State.MutexTimeout);
            store.LockWaited = metrics.LockWaited;
            return store;
        });
        builder.Services.AddAkka("switchboard", (ab, _) =>
        {
            ab.AddHocon(hocon, HoconAddMode.Prepend)
              .AddHocon(overrides, HoconAddMode.Prepend)
              .WithDataStore(data);
            if (tls is not null) ab.AddHocon(tls.Hocon, HoconAddMode.Prepend).AddSetup(tls.Setup);
            ab.ConfigureLoggers(l =>
              {
                  l.ClearLoggers();
                  l.AddLogger<ReadableLogger>();
              })
              .WithActors((system, registry, resolver) =>
              {
                  var state = system.ActorOf(StateActor.Props(resolver.GetService<IStateStore>(), settings.State, summary, node, doorName, metrics), "state");
                  NodeWiring.FrontActors(system, registry, state, settings, node, doorName, token, metrics, system.StartAccounts(data));
              });
        });

        using var app = builder.Build();
        // A closed terminal (SIGHUP) is a shutdown like Ctrl-C: summary printed, entries and segment removed.
        using var hangup = NodeWiring.StopOnHangup(app);
        try
        {
            app.Services.GetRequiredService<IStateStore>();
            doorName = NodeKey.DoorName(NodeKey.LoadOrCreate(o.Segment));
        }
        catch (Exception ex) when (ex is SegmentException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot use segment '{o.Segment}': {ex.Message}");
            app.Dispose();
            NodeKey.RemoveIfSegmentGone(o.Segment);
            return 1;
        }
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"error: the server did not start: {ex.GetBaseException().Message}");
            app.Dispose(); // leaves the segment as it found it (and removes it if this node was the only one)
            NodeKey.RemoveIfSegmentGone(o.Segment);
            return 1;
        }
        var system = app.Services.GetRequiredService<ActorSystem>();
        await using var endpoint = monitor is null ? null : await NodeWiring.StartMonitorAsync(monitor, new MonitorEndpoint.Context(node, version, started,
            new SegmentNodeView(app.Services.GetRequiredService<ActorRegistry>().Get<RegistryKey>(), system, metrics, settings.State.MutexTimeout + TimeSpan.FromSeconds(1)),
            metrics, app.Services.GetRequiredService<ILoggerFactory>(), data.Status));
        if (monitor is not null && endpoint is null)
        {
            await app.StopAsync();
            await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
            app.Dispose();
            NodeKey.RemoveIfSegmentGone(o.Segment);
            return 1;
        }
        Console.Out.WriteLine($"listening on {((ExtendedActorSystem)system).Provider.DefaultAddress}");
        Console.Out.Flush();
        if (endpoint is not null) NodeWiring.MonitorStarted(app.Services.GetRequiredService<ILoggerFactory>(), monitor!);
        await app.WaitForShutdownAsync();
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        // The state actor has stopped: only now may the store go (its Dispose removes this node from the segment).
        var lostRegistry = CoordinatedShutdown.Get(system).ShutdownReason is GatewayActor.RegistryLost;
        app.Dispose();
        NodeKey.RemoveIfSegmentGone(o.Segment);
        Console.Out.WriteLine(summary.Render());
        return lostRegistry ? 1 : 0;
    }
}
