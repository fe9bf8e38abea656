using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Hosting;

/// <summary>
/// What a single-host node and a cluster node wire the same way: log switches and format, Akka's log settings,
/// the <c>--monitor</c> address checks and the endpoint's start, the actors in front of the registry, and SIGHUP.
/// Both hosts call these, so the two modes cannot drift.
/// </summary>
public static class NodeWiring
{
    public static string Version { get; } = typeof(NodeWiring).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static LogSwitches Switches(ServerOptions o) => new(o.Debug, o.DebugAkka, o.JsonLogs);

    /// <summary>Akka's side of the switches: its debug level, and its start-up logger in JSON.</summary>
    public static Config AkkaLogging(LogSwitches s)
    {
        var config = Config.Empty;
        if (s.AkkaDebugLevel) config = config.WithFallback(ConfigurationFactory.ParseString("akka.loglevel = DEBUG"));
        if (s.Json) config = config.WithFallback(ConfigurationFactory.ParseString(
            "akka.stdout-logger-class = \"Switchboard.Server.Monitoring.JsonStderrMinimalLogger, ActorServer\""));
        return config;
    }

    /// <summary>
    /// The client-facing system's Akka settings, lowest first: the shipped hocon under the user's <c>--config</c>
    /// (<paramref name="hocon"/>), then what the command line decides (the address, as Akka.Hosting's typed remoting
    /// options; Akka's log level and format), then TLS. Akka.Hosting's options win over any hocon, so they carry
    /// command-line values only: everything else stays the user's to change.
    /// </summary>
    public static AkkaConfigurationBuilder Akka(AkkaConfigurationBuilder ab, Config hocon, NodeAddress at, LogSwitches s, TlsRemoting? tls)
    {
        // WithRemoting selects Akka's plain RemoteActorRefProvider unless a provider is chosen: keep the configured
        // (guarded) one, read from the user's file over the defaults.
        ab.AddHocon(hocon, HoconAddMode.Prepend)
          .WithActorRefProvider(Provider(hocon.GetString("akka.actor.provider")))
          .WithRemoting(new RemoteOptions { HostName = at.BindHost, Port = at.Port, PublicHostName = at.PublicHost })
          .AddHocon(AkkaLogging(s), HoconAddMode.Prepend);
        // TLS as TlsRemoting loads it for both sides (enable-ssl, and a DotNettySslSetup with the CA's validator).
        if (tls is not null) ab.AddHocon(tls.Hocon, HoconAddMode.Prepend).AddSetup(tls.Setup);
        return ab.ConfigureLoggers(l =>
        {
            l.ClearLoggers();
            l.AddLogger<ReadableLogger>();
        });
    }

    /// <summary>The address keys a user's file sets in vain (the command line decides the address), to say so at start.</summary>
    public static IReadOnlyList<string> AddressKeysIn(string? configPath)
    {
        if (configPath is null) return [];
        var user = ConfigurationFactory.ParseString(File.ReadAllText(configPath));
        return [.. new[] { "hostname", "port", "public-hostname" }.Select(k => $"akka.remote.dot-netty.tcp.{k}").Where(user.HasPath)];
    }

    // Akka's provider aliases, as Akka reads them from hocon; anything else names a type.
    private static ProviderSelection Provider(string name) => name switch
    {
        "local" => ProviderSelection.Local.Instance,
        "remote" => ProviderSelection.Remote.Instance,
        "cluster" => ProviderSelection.Cluster.Instance,
        _ => new ProviderSelection.Custom(name),
    };

    /// <summary>One error line for a usage problem found before anything starts (exit code 2): no address.</summary>
    public static NodeAddress? Refuse(string problem)
    {
        Console.Error.WriteLine($"error: {problem}");
        return null;
    }

    /// <summary>Log lines as text or JSON, all on stderr (stdout carries only "listening on" and the summary).</summary>
    public static void Logging(HostApplicationBuilder builder, LogSwitches s)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(s.AkkaDebugLevel ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        if (s.Json)
            builder.Logging.AddJsonConsole(c =>
            {
                c.TimestampFormat = LogLine.JsonTimestamp;
                c.UseUtcTimestamp = true;
                c.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        else
            builder.Logging.AddSimpleConsole(c =>
            {
                c.SingleLine = true;
                c.TimestampFormat = "HH:mm:ss.fff ";
                c.ColorBehavior = Colours(Console.IsErrorRedirected, Environment.GetEnvironmentVariable("NO_COLOR"));
            });
        builder.Services.AddSingleton(s);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>Colour only when the log's own stream, stderr, is a terminal, and NO_COLOR (no-color.org) is not set:
    /// the formatter's default looks at stdout, so <c>2&gt;&gt;server.err</c> from a terminal filled the file with escapes.</summary>
    public static Microsoft.Extensions.Logging.Console.LoggerColorBehavior Colours(bool stderrRedirected, string? noColor) =>
        stderrRedirected || !string.IsNullOrEmpty(noColor)
            ? Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled
            : Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Enabled;

    /// <summary>The parsed <c>--monitor</c> address (null when off), or the exit code after one error line.</summary>
    public static async Task<(MonitorAddress? At, int? Exit)> MonitorAsync(string? monitor)
    {
        if (monitor is null) return (null, null);
        if (MonitorAddress.Parse(monitor, out var problem) is not { } at)
        {
            Console.Error.WriteLine($"error: {problem}");
            return (null, 2);
        }
        if (StartChecks.NotBindable(at.Ip.ToString(), "--monitor") is { } unbindable)
        {
            Console.Error.WriteLine($"error: {unbindable}");
            return (null, 2);
        }
        if (await StartChecks.IsListeningAsync(at.Ip.ToString(), at.Port))
        {
            Console.Error.WriteLine($"error: --monitor {at} is already in use by another process; pick another port");
            return (null, 1);
        }
        return (at, null);
    }

    /// <summary>The endpoint, or null (and one error line) when its address cannot be bound.</summary>
    public static async Task<MonitorEndpoint?> StartMonitorAsync(MonitorAddress at, MonitorEndpoint.Context context)
    {
        try
        {
            return await MonitorEndpoint.StartAsync(at, context, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: cannot serve --monitor {at}: {ex.GetBaseException().Message}");
            return null;
        }
    }

    public static void MonitorStarted(ILoggerFactory logs, MonitorAddress at) =>
        logs.CreateLogger("monitor").LogInformation("monitoring on http://{Address}/ (healthz, metrics, status, clients)", at);

    /// <summary>
    /// Registers the node's registry (RegistryActor over either backend) and starts what stands in front of it
    /// in either mode: the rooms and the gateway that creates sessions.
    /// </summary>
    public static void FrontActors(ActorSystem system, IActorRegistry registry, IActorRef state, ServerSettings settings,
        string node, string? doorName, TokenCheck token, SwitchboardMetrics metrics, (IActorRef? Accounts, HistoryDesk? History) store = default,
        LocalSessions? local = null, IRemoteDelivery? remote = null, NodeQueues? nodeLinks = null)
    {
        if (state is ActorRefWithCell withCell) metrics.ObserveStateMailbox(() => withCell.Underlying.NumberOfMessages);
        registry.Register<RegistryKey>(state);
        var rooms = system.ActorOf(RoomsActor.Props(settings.Rooms, state, doorName), "rooms");
        var unavailable = new UnavailableLog(global::Akka.Event.Logging.GetLogger(system, "session"), TimeProvider.System);
        system.RegisterOnTermination(unavailable.Dispose);
        var services = new SessionServices(state, rooms, OperationRegistry.Default, settings.Sessions, TimeProvider.System, metrics, store.Accounts, store.History,
            local, remote, nodeLinks, unavailable);
        var gateway = new GatewaySettings(node, doorName, settings.Registration, token);
        system.ActorOf(GatewayActor.Props(services, gateway), "gateway");
    }

    /// <summary>A closed terminal (SIGHUP) is a shutdown like Ctrl-C: the host stops, the summary is printed.</summary>
    public static IDisposable StopOnHangup(IHost app) => PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
    {
        ctx.Cancel = true;
        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
    });
}
