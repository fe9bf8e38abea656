using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Switchboard.Client.Hosting;

/// <param name="Servers">Every server to try in turn (<c>--server A,B</c>); null: just ServerHost:ServerPort.</param>
/// <param name="Bind">The address to bind and advertise (<c>--bind</c>); null: the local address of the route to the server.</param>
public sealed record ClientOptions(string Name, string ServerHost, int ServerPort, bool Json, string? ConfigPath, string? Token = null,
    ServerList? Servers = null, string? Bind = null, bool Chat = false)
{
    /// <summary>The name's password (--password-file, --password), kept across reconnects; null: a guest.</summary>
    public Credentials? Credentials { get; init; }

    /// <summary>The password was typed at a prompt (--password), not read from a file: reserve asks for it again.</summary>
    public bool PasswordPrompted { get; init; }

    /// <summary>Scripted mode: requests in flight at once (--pipeline; 1, the default, is DESIGN §4's one at a time).</summary>
    public int Pipeline { get; init; } = 1;
}

/// <summary>Starts the client's actor system, registers, then runs the menu or the scripted mode.</summary>
public static class ClientHost
{
    public static async Task<int> RunAsync(ClientOptions o, ClientTls? tlsOptions = null)
    {
        // Ctrl-C, SIGTERM or a closed terminal: leave properly (unregister, free the name), whatever the client was doing.
        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Leave);
        var ct = interrupted.Token;

        Akka.Configuration.Config config;
        try
        {
            config = SwitchboardConfig.LoadSide(o.ConfigPath, "client.hocon");
        }
        catch (Exception ex) when (ex is Akka.Configuration.ConfigurationException or IOException or FormatException)
        {
            Console.Error.WriteLine($"error: bad configuration: {ex.Message}");
            return ExitCodes.Usage;
        }
        TlsRemoting? tls;
        try
        {
            tls = (tlsOptions ?? ClientTls.Off).Load(config);
        }
        catch (TlsOptionsException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        var servers = o.Servers ?? ServerList.Parse($"{o.ServerHost}:{o.ServerPort}")!;
        var protocol = tls is null ? "akka.tcp" : TlsRemoting.Protocol;
        Address CurrentServer() => new(protocol, "switchboard", servers.Current.Host, servers.Current.Port);
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        // --help says --chat needs a terminal: without one the client is scripted, and says so (on stderr, the
        // diagnostics' stream) rather than ignoring the option without a word.
        if (o.Chat && !interactive) Console.Error.WriteLine("--chat needs a terminal; running scripted (one answer line per command)");
        var output = new Output(Console.Out, o.Json);
        Connection? connection = null;
        ClientRuntime? runtime = null;
        var seen = new SeenMessages(o.Name);
        var last = new LastSession();
        var events = new ConsoleEvents(o.Name, () => connection, () => runtime, output, interactive ? new Notices() : null, seen);
        // Each fresh system after a lost connection goes to the next server of the list (the same one if there is one).
        await using var client = runtime = new ClientRuntime(reconnecting =>
        {
            if (reconnecting && servers.Count > 1) servers.MoveOn();
            return BuildHost(o, config, tls, CurrentServer(), events, reconnecting, servers.Count > 1, last);
        });
        var clientActor = await client.StartAsync(reconnecting: false, ct);
        var settings = ClientSettings.Create(config);
        connection = new Connection(clientActor, settings.RegisterTimeout, settings.RequestTimeout, seen);

        var joined = await connection.ConnectAsync();
        // Nobody answered: try the other servers in turn, each from a fresh system.
        for (var tried = 1; joined.Code == Codes.Unreachable && tried < servers.Count; tried++)
        {
            servers.MoveOn();
            connection.Rebind(await client.RestartAsync(ct));
            joined = await connection.ConnectAsync();
        }
        if (joined.Registered is not { } registered)
        {
            if (interactive) AnsiConsole.MarkupLine($"[red]cannot register as {Markup.Escape(o.Name)}: {joined.Code} {Markup.Escape(Notices.Printable(joined.Error ?? ""))}[/]");
            else output.Rejected(joined.Code, joined.Error ?? "rejected");
            if (joined.Code == Codes.Unreachable)
            {
                // Without TLS options a server that requires TLS looks just like no server: say so.
                // The likeliest wrong port is the server's other one (its node or monitoring port): say which it is.
                const string Port = "(clients connect to the server's --port, not its --cluster-port or --monitor port)";
                Console.Error.WriteLine(tls is null
                    ? $"no Switchboard server answered at {servers}; is it running? {Port} (if it requires TLS, give --tls-ca and --tls-cert)"
                    : $"no Switchboard server answered at {servers}; is it running? {Port}");
                if (tls is not null) Console.Error.WriteLine(ClientTls.Explain(tls));
            }
            return joined.Code == Codes.Unreachable ? ExitCodes.Unreachable : ExitCodes.Rejected;
        }

        // Scripted mode printed the registration from the client actor, before any pushed event.
        if (!interactive)
            return await new ScriptedRunner(connection, output, Console.In, new RateLimitRetry(settings.RateLimitRetries, settings.RateLimitWait), o.Pipeline).RunAsync(ct);
        AnsiConsole.MarkupLine($"[bold aqua]Switchboard[/] — registered as [bold]{Markup.Escape(o.Name)}[/] on {Markup.Escape(Notices.Printable(registered.Node))} [grey](clientSeq {registered.ClientSeq}, serverSeq {registered.ServerSeq})[/]");
        var remembered = RememberedRooms.For(o.Name, servers.Current.Host, servers.Current.Port);
        var status = events.Status = new ClientStatus(o.Name, registered.Node) { Remembered = remembered };
        using var ui = ConsoleUi.Create(o.Chat, events.Notices!, status, ct);
        var (rooms, skipped) = remembered.Read();
        if (skipped is not null) events.Notices!.Add(skipped);
        var menu = new MenuRunner(connection, ui, status, o.PasswordPrompted ? o.Credentials : null,
            started: () => RejoinAsync(rooms, connection, status, events.Notices!));
        return await RunMenuAsync(menu, connection, ct);

        // The rooms it was in when it last ran (per name and server, on this machine), as a reconnect joins them again.
        static async Task RejoinAsync(IReadOnlyList<string> rooms, Connection connection, ClientStatus status, Notices notices)
        {
            if (rooms.Count == 0) return;
            // Said first: each join's replay of recent messages follows.
            notices.Add($"joining the rooms you were in when you last left: {string.Join(", ", rooms)}");
            foreach (var room in rooms)
            {
                var reply = await connection.SendAsync(id => new JoinRoom(id, room));
                if (reply.Code == Codes.Ok) status.JoinedRoom(room);
                else notices.Add($"could not join {room} again: {reply.Code} {reply.Error}");
            }
        }

        // The menu leaves by itself when interrupted. A console read can block for good once the terminal is
        // gone (a closed window, a killed tmux): then the client unregisters here and exits anyway.
        static async Task<int> RunMenuAsync(MenuRunner menu, Connection connection, CancellationToken interrupted)
        {
            var running = Task.Run(menu.RunAsync);
            await Task.WhenAny(running, Task.Delay(Timeout.Infinite, interrupted).ContinueWith(_ => { }, TaskScheduler.Default));
            if (!running.IsCompleted) await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1)));
            if (running.IsCompletedSuccessfully) return running.Result;
            // Still blocked, or failed writing to a terminal that is gone (IOException): leave from here.
            if (running.IsFaulted && running.Exception.InnerException is not IOException) return await running;
            if (connection.IsLost) return ExitCodes.Unreachable;
            return (await connection.UnregisterAsync()).Code == Codes.Ok ? ExitCodes.Ok : ExitCodes.Unreachable;
        }

        void Leave(PosixSignalContext signal)
        {
            signal.Cancel = true;
            interrupted.Cancel();
        }
    }

    private static IHost BuildHost(ClientOptions o, Akka.Configuration.Config config, TlsRemoting? tls, Address server, IClientEvents events, bool reconnecting, bool failover,
        LastSession last)
    {
        // Bind where the server can call back: the given address, or this host's address on the route to the server.
        var bind = o.Bind ?? ServerList.LocalAddressFor(server.Host!);
        var binding = Akka.Configuration.ConfigurationFactory.ParseString($"akka.remote.dot-netty.tcp.hostname = \"{bind}\"");
        // The empty builder: no appsettings/user-secrets/environment sources nor default log providers to load
        // (the client's settings are all hocon), which a short scripted life would pay for at every start.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        // Diagnostics only, on stderr: stdout is for the reply lines.
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        // The actor system must outlive a Ctrl-C until the client has unregistered: no console lifetime.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.AddAkka("switchboard-client", (ab, _) =>
        {
            ab.AddHocon(config, HoconAddMode.Prepend).AddHocon(binding, HoconAddMode.Prepend);
            if (tls is not null) ab.AddHocon(tls.Hocon, HoconAddMode.Prepend).AddSetup(tls.Setup);
            ab.ConfigureLoggers(l =>
              {
                  l.ClearLoggers();
                  l.AddLoggerFactory();
              })
              .WithActors((system, registry) =>
                  registry.Register<ClientActor>(system.ActorOf(ClientActor.Props(server, o.Name, events, reconnecting, o.Token, failover, o.Credentials, last), Capability.NewName("client-"))));
        });
        return builder.Build();
    }
}
