using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Hosting;

/// <param name="Monitor">HOST:PORT of the monitoring endpoint (off when null).</param>
public sealed record ServerOptions(string Host, int Port, string Segment, string? ConfigPath, bool Debug, string? TokenFile = null,
    string? Monitor = null, bool DebugAkka = false, bool JsonLogs = false, string? Data = null);

/// <summary>
/// Runs a node in either mode: checks, settings, the generic host with Akka.Hosting, "listening on" once the node
/// serves, the summary after SIGINT/SIGTERM/SIGHUP, and the exit code. What differs between a single-host and a
/// cluster node is the <see cref="INodeMode"/>'s.
/// </summary>
public static class NodeHost
{
    public static async Task<int> RunAsync(ServerOptions o, ServerTls? tlsOptions, INodeMode mode)
    {
        if (mode.Resolve() is not { } at) return 2;
        ServerSettings settings;
        try
        {
            settings = ServerSettings.Load(o.ConfigPath);
            mode.Configure(settings);
        }
        catch (Exception ex) when (ex is Akka.Configuration.ConfigurationException or FormatException or IOException)
        {
            Console.Error.WriteLine($"error: bad configuration: {ex.Message}");
            return 2;
        }
        // What needs no data directory is checked first: a start refused for it makes no store.
        TlsRemoting? tls;
        try
        {
            tls = (tlsOptions ?? ServerTls.Off).Load(settings.Hocon);
        }
        catch (TlsOptionsException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        if (mode.Credentials() is { } credentialProblem)
        {
            Console.Error.WriteLine($"error: {credentialProblem}");
            return 2;
        }
        if (RegistrationToken.Load(o.TokenFile, out var tokenProblem) is not { } token)
        {
            Console.Error.WriteLine($"error: {tokenProblem}");
            return 2;
        }
        // The command line and settings first (exit 2 says what to change), then what else holds the ports (exit 1).
        foreach (var (port, option) in at.Ports)
            if (await StartChecks.IsListeningAsync(at.PublicHost, port))
            {
                // Akka binds with SO_REUSEADDR (which also allows a second listener on Linux): refuse instead of
                // splitting clients at random between two servers.
                Console.Error.WriteLine($"error: {at.PublicHost}:{port} is already in use by another process; pick another {option}");
                return 1;
            }
        var (monitor, monitorExit) = await NodeWiring.MonitorAsync(o.Monitor);
        if (monitorExit is { } exit) return exit;
        // Which server the data directory belongs to (this one's segment), held until the node has stopped. Taken
        // before the store is made: a server refused the directory leaves no data file behind.
        using var claim = mode.KeepsData ? Claim(DataStore.DirectoryOf(o.Data), o.Segment) : null;
        if (mode.KeepsData && claim is null) return 1;
        DataStore? data = null;
        if (mode.KeepsData && (data = DataStore.Open(o.Data, settings.Hocon, out var dataProblem, out var dataExit)) is null)
        {
            Console.Error.WriteLine($"error: {dataProblem}");
            return dataExit;
        }
        // The guard's watcher is the host's, like the files it watches.
        using var guard = data?.Guard;
        if (data is not null) claim?.GuardedBy(data.Guard);
        var logSwitches = NodeWiring.Switches(o);
        using var metrics = new SwitchboardMetrics(NodeWiring.Version);
        if (data is not null) metrics.ObserveStoreBytes(data.Bytes);
        // Which of the directory's nodes keeps the history; held until the node has stopped.
        using var keeper = data is null ? null : new HistoryKeeperLock(data.Directory, at.Node, data.Guard);
        var started = DateTimeOffset.UtcNow;
        var summary = new ServerSummary();
        NodeContext? node = null;

        // No default sources: the node's settings are hocon and its command line. The defaults would also watch the
        // working directory, recursively, for appsettings.json changes: started from a home directory that holds the data
        // directory, every journal write woke that watcher (11 % of a kept-DM run's CPU).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        NodeWiring.Logging(builder, logSwitches);
        if (data is not null) builder.Services.AddSingleton(data.Guard); // asked which process locks the file (DataStoreErrors)
        builder.Services.AddAkka("switchboard", (ab, _) => NodeWiring.Akka(ab, settings.Hocon, at, logSwitches, tls)
            .WithDataStore(data)
            .WithActors((system, registry, _) =>
            {
                var state = system.ActorOf(mode.RegistryProps(node!), "state");
                NodeWiring.FrontActors(system, registry, state, settings, at.Node, mode.DoorName, token, metrics, mode.StartStore(system, data, keeper, metrics, state),
                    node!.Local, mode.Remote, mode.NodeLinks(system));
            }));

        using var app = builder.Build();
        // A closed terminal (SIGHUP) is a shutdown like Ctrl-C: summary printed, what the mode opened released.
        using var hangup = NodeWiring.StopOnHangup(app);
        var logs = app.Services.GetRequiredService<ILoggerFactory>();
        foreach (var key in NodeWiring.AddressKeysIn(o.ConfigPath))
            logs.CreateLogger("configuration").LogWarning("{Key} in --config is not used: the command line sets the address (--host, --port, --public-host, --cluster-port)", key);
        node = new NodeContext(at, settings, summary, metrics, app.Services, started, data?.DatabasePath);
        if (mode.Open(node) is { } openExit)
        {
            Withdraw(data, keeper, claim);
            return openExit;
        }
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"error: the server did not start: {ex.GetBaseException().Message}");
            app.Dispose(); // stops a half-started actor system before the mode lets go of what its actors use
            await mode.ReleaseAsync();
            Withdraw(data, keeper, claim);
            return 1;
        }
        var system = app.Services.GetRequiredService<ActorSystem>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = mode.WhenGone.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        _ = system.WhenTerminated.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        var peers = PeerAddresses.For(system);
        var connections = peers.Connections;
        if (connections is not null) metrics.ObserveConnections(() => connections.Open);
        await using var endpoint = monitor is null ? null : await NodeWiring.StartMonitorAsync(monitor, new MonitorEndpoint.Context(at.Node,
            NodeWiring.Version, started, mode.View(node, system, app.Services.GetRequiredService<ActorRegistry>().Get<RegistryKey>()), metrics, logs,
            ((IDataStore?)data ?? mode.Store)?.Status, connections, peers.HostKey));
        if (monitor is not null && endpoint is null)
        {
            await app.StopAsync();
            await WhenTerminated(system);
            await mode.ReleaseAsync();
            return 1;
        }
        if (endpoint is not null) NodeWiring.MonitorStarted(logs, monitor!);
        if (await Task.WhenAny(mode.WhenReady, mode.WhenGone, Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping)) == mode.WhenReady)
        {
            Console.Out.WriteLine($"listening on {((ExtendedActorSystem)system).Provider.DefaultAddress}");
            Console.Out.Flush();
        }
        await app.WaitForShutdownAsync();
        await WhenTerminated(system);
        // The registry has stopped: only now may the mode release what it used (the segment; the node side).
        var failed = await mode.ReleaseAsync();
        var lostRegistry = CoordinatedShutdown.Get(system).ShutdownReason is GatewayActor.RegistryLost;
        Console.Out.WriteLine(summary.Render());
        return lostRegistry || failed ? 1 : 0;
    }

    // The directory checked (made 0700 when missing) and claimed; null after one error line.
    private static DataDirectoryClaim? Claim(string directory, string segment)
    {
        var made = !Directory.Exists(directory) && !File.Exists(directory);
        var claim = DataStoreCheck.Directory(directory) is { } problem ? null : DataDirectoryClaim.Take(directory, segment, out problem, madeDirectory: made);
        if (claim is null) Console.Error.WriteLine($"error: {problem}");
        return claim;
    }

    // A start refused once it had claimed the data directory leaves nothing behind that it made: the empty store, the
    // history keeper's address, the claim's lock files and a directory it made (a new user's finding: a refused start
    // left server.lock and server.gate, and the directory, behind). What another node of the segment holds stays.
    // The store goes only when no other node holds the directory by then, under the claim's gate: a node of the segment
    // that joined the claim meanwhile has opened it (a hostile tester's finding: two nodes starting at once, the first
    // failing on its port, removed the second's store under it).
    internal static void Withdraw(DataStore? data, HistoryKeeperLock? keeper, DataDirectoryClaim? claim)
    {
        keeper?.Dispose();
        if (claim is null) data?.RemoveIfCreated();
        else claim.Withdraw(data is null ? null : data.RemoveIfCreated);
    }

    private static Task WhenTerminated(ActorSystem system) =>
        system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
}
