using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Hosting;

/// <param name="Seeds">Seed nodes as HOST:PORT of their cluster ports (this node may be one of them).</param>
/// <param name="PublicHost">The host name other nodes and clients use for this node, when it binds 0.0.0.0.</param>
/// <param name="SecretFile">The file whose first line is the cluster secret (else SWITCHBOARD_CLUSTER_SECRET).</param>
/// <param name="ClusterPort">The node port other nodes use (mutual TLS, secret-tagged certificates); default: --port + 1.</param>
public sealed record ClusterOptions(IReadOnlyList<string> Seeds, string? PublicHost, string? SecretFile = null, int? ClusterPort = null)
{
    public const string SecretVariable = "SWITCHBOARD_CLUSTER_SECRET";

    /// <summary>Shorter secrets are refused: they sign every message between nodes.</summary>
    public const int MinSecretLength = 16;
}

/// <summary>
/// Cluster mode: the same gateway, sessions and rooms as a single-host node, with the cluster registry
/// (<see cref="ClusterRegistryActor"/>) in the place of the segment's state actor. Two actor systems: the client-facing
/// one on --port (guarded Akka.Remote, exactly as a single-host node) and the node side on --cluster-port
/// (<see cref="NodeSide"/>: Akka.Cluster over mutual TLS that only holders of the cluster secret pass). Prints
/// "listening on" once the node is Up and holds its first serverSeq range.
/// </summary>
public static class ClusterHost
{
    public static async Task<int> RunAsync(ServerOptions o, ClusterOptions c, ServerTls? tlsOptions)
    {
        if (HostPort.ParseList(string.Join(',', c.Seeds), out var seedProblem) is not { } seeds)
        {
            Console.Error.WriteLine($"error: --seeds {seedProblem} (the seed nodes' --cluster-port)");
            return 2;
        }
        if (!HostPort.IsPort(o.Port, min: 0) || c.ClusterPort is { } q && !HostPort.IsPort(q, min: 0))
        {
            Console.Error.WriteLine("error: --port and --cluster-port must be 0..65535");
            return 2;
        }
        var bindHost = SwitchboardConfig.CanonicalHost(o.Host);
        var publicHost = SwitchboardConfig.CanonicalHost(c.PublicHost ?? o.Host);
        if (publicHost is "0.0.0.0" or "::")
        {
            Console.Error.WriteLine("error: binding to all interfaces needs --public-host, the address others use for this node");
            return 2;
        }
        var port = o.Port == 0 ? StartChecks.FreePort(bindHost) : o.Port;
        var clusterPort = c.ClusterPort is { } cp and not 0 ? cp : c.ClusterPort == 0 || port == HostPort.MaxPort ? StartChecks.FreePort(bindHost) : port + 1;
        if (clusterPort == port)
        {
            Console.Error.WriteLine("error: --cluster-port must differ from --port");
            return 2;
        }
        foreach (var p in new[] { port, clusterPort })
            if (await StartChecks.IsListeningAsync(publicHost, p))
            {
                Console.Error.WriteLine($"error: {publicHost}:{p} is already in use by another process; pick another {(p == port ? "--port" : "--cluster-port")}");
                return 1;
            }
        var (monitor, monitorExit) = await NodeWiring.MonitorAsync(o.Monitor);
        if (monitorExit is { } exit) return exit;
        ServerSettings settings;
        ClusterSettings cluster;
        Config nodeHocon;
        try
        {
            settings = ServerSettings.Load(o.ConfigPath);
            // The user's file over cluster.hocon over the defaults: a user file can change any cluster key too.
            var user = o.ConfigPath is null ? Config.Empty : ConfigurationFactory.ParseString(File.ReadAllText(o.ConfigPath));
            nodeHocon = user.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(SwitchboardConfig.DefaultPath("cluster.hocon")))).WithFallback(settings.Hocon);
            cluster = ClusterSettings.Create(nodeHocon);
            if (cluster.RecoverFor <= cluster.ReassertInterval)
                throw new ConfigurationException("switchboard.cluster.recover-for must be longer than reassert-interval");
        }
        catch (Exception ex) when (ex is ConfigurationException or FormatException or IOException)
        {
            Console.Error.WriteLine($"error: bad configuration: {ex.Message}");
            return 2;
        }
        Switchboard.Messages.Transport.Tls.TlsRemoting? tls;
        try
        {
            tls = (tlsOptions ?? ServerTls.Off).Load(settings.Hocon);
        }
        catch (Switchboard.Messages.Transport.Tls.TlsOptionsException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        // The secret admits nodes to the node port (NodeCertificate) and signs every node-to-node message: no secret, no cluster.
        var secret = TokenSource.Read(c.SecretFile, ClusterOptions.SecretVariable, "cluster secret", out var secretProblem);
        if (secret is null || secret.Length < ClusterOptions.MinSecretLength)
        {
            const string Make = "e.g. (umask 077; head -c 32 /dev/urandom | base64 > cluster.secret)";
            Console.Error.WriteLine($"error: {secretProblem ?? (secret is null
                ? $"cluster mode needs a secret shared by every node: --cluster-secret-file FILE (first line) or {ClusterOptions.SecretVariable}; {Make}"
                : $"the cluster secret must be at least {ClusterOptions.MinSecretLength} characters; {Make}")}");
            return 2;
        }
        if (RegistrationToken.Load(o.TokenFile, out var tokenProblem) is not { } token)
        {
            Console.Error.WriteLine($"error: {tokenProblem}");
            return 2;
        }
        var node = $"{publicHost}:{port}";
        var overrides = ConfigurationFactory.ParseString(
            $"akka.remote.dot-netty.tcp {{ hostname = \"{bindHost}\", public-hostname = \"{publicHost}\", port = {port} }}");
        var logSwitches = NodeWiring.Switches(o);
        overrides = overrides.WithFallback(NodeWiring.AkkaLogging(logSwitches));
        using var metrics = new SwitchboardMetrics(NodeWiring.Version);
        var started = DateTimeOffset.UtcNow;
        var summary = new ServerSummary();
        var readiness = new ClusterReadiness();
        NodeSide? side = null;

        var builder = Host.CreateApplicationBuilder();
        NodeWiring.Logging(builder, logSwitches);
        builder.Services.AddAkka("switchboard", (ab, _) =>
        {
            ab.AddHocon(settings.Hocon, HoconAddMode.Prepend)
              .AddHocon(overrides, HoconAddMode.Prepend);
            if (tls is not null) ab.AddHocon(tls.Hocon, HoconAddMode.Prepend).AddSetup(tls.Setup);
            ab.ConfigureLoggers(l =>
              {
                  l.ClearLoggers();
                  l.AddLogger<ReadableLogger>();
              })
              .WithActors((system, registry, _) =>
              {
                  var state = system.ActorOf(RegistryActor.ForCluster(cluster, summary, readiness, node, side!, metrics), "state");
                  // No segment, no door: other nodes reach the registry's inbox on the node side.
                  NodeWiring.FrontActors(system, registry, state, settings, node, null, token, metrics);
              });
        });

        using var app = builder.Build();
        using var hangup = NodeWiring.StopOnHangup(app);
        var logs = app.Services.GetRequiredService<ILoggerFactory>();
        try
        {
            side = NodeSide.Start(NodeWiring.AkkaLogging(logSwitches).WithFallback(nodeHocon), cluster, bindHost, publicHost, clusterPort,
                seeds.Select(s => (SwitchboardConfig.CanonicalHost(s.Host), s.Port)), secret, node, app.Services);
            await app.StartAsync();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"error: the server did not start: {ex.GetBaseException().Message}");
            if (side is not null) await side.StopAsync(TimeSpan.FromSeconds(10));
            return 1;
        }
        var system = app.Services.GetRequiredService<ActorSystem>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        // A node downed by the resolver (or that left) stops its node side: the process ends with it.
        _ = side.System.WhenTerminated.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        _ = system.WhenTerminated.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(side.System).RegisterOnMemberUp(() => up.TrySetResult());
        // Served from before the node is Up, so /healthz can say why it is not ready yet.
        await using var endpoint = monitor is null ? null : await NodeWiring.StartMonitorAsync(monitor, new MonitorEndpoint.Context(node, NodeWiring.Version, started,
            new ClusterNodeView(side.System, app.Services.GetRequiredService<ActorRegistry>().Get<RegistryKey>(), readiness, up.Task, started, TimeSpan.FromSeconds(3)),
            metrics, logs));
        if (monitor is not null && endpoint is null)
        {
            await app.StopAsync();
            await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
            await side.StopAsync(TimeSpan.FromSeconds(10));
            return 1;
        }
        if (endpoint is not null) NodeWiring.MonitorStarted(logs, monitor!);
        var ready = Task.WhenAll(up.Task, readiness.WhenReady);
        if (await Task.WhenAny(ready, side.System.WhenTerminated, Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping)) == ready)
        {
            logs.CreateLogger("cluster").LogInformation("node port {Address} (mutual TLS, cluster secret)", ((ExtendedActorSystem)side.System).Provider.DefaultAddress);
            Console.Out.WriteLine($"listening on {((ExtendedActorSystem)system).Provider.DefaultAddress}");
            Console.Out.Flush();
        }
        await app.WaitForShutdownAsync();
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        // Only now: the registry has released its names through the node side.
        var downed = CoordinatedShutdown.Get(side.System).ShutdownReason is CoordinatedShutdown.ClusterDowningReason;
        await side.StopAsync(TimeSpan.FromSeconds(10));
        var lostRegistry = CoordinatedShutdown.Get(system).ShutdownReason is GatewayActor.RegistryLost;
        Console.Out.WriteLine(summary.Render());
        return lostRegistry || downed ? 1 : 0;
    }
}
