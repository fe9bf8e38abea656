using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Switchboard.Client.Actors;
using Switchboard.Messages;

namespace Switchboard.Client;

public sealed record ClientOptions(string Name, string ServerHost, int ServerPort, bool Json, string? ConfigPath);

/// <summary>Starts the client's actor system, registers, then runs the menu or the scripted mode.</summary>
public static class ClientHost
{
    public static async Task<int> RunAsync(ClientOptions o)
    {
        // Ctrl-C, SIGTERM or a closed terminal: leave properly (unregister, free the name), whatever the client was doing.
        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Leave);
        var ct = interrupted.Token;

        var config = SwitchboardConfig.Load(o.ConfigPath ?? SwitchboardConfig.DefaultPath("client.hocon"));
        var server = new Address("akka.tcp", "switchboard", o.ServerHost, o.ServerPort);
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var output = new Output(Console.Out, o.Json);
        Connection? connection = null;
        var events = new ConsoleEvents(o.Name, () => connection, output, interactive ? new Notices() : null);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        // Diagnostics only, on stderr: stdout is for the reply lines.
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        // The actor system must outlive a Ctrl-C until the client has unregistered: no console lifetime.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.AddAkka("switchboard-client", (ab, _) =>
        {
            ab.AddHocon(config, HoconAddMode.Prepend)
              .ConfigureLoggers(l =>
              {
                  l.ClearLoggers();
                  l.AddLoggerFactory();
              })
              .WithActors((system, registry) =>
                  registry.Register<ClientActor>(system.ActorOf(ClientActor.Props(server, o.Name, events), "client")));
        });

        using var app = builder.Build();
        await app.StartAsync(ct);
        try
        {
            var system = app.Services.GetRequiredService<ActorSystem>();
            var clientActor = app.Services.GetRequiredService<IRequiredActor<ClientActor>>().ActorRef;
            var hocon = system.Settings.Config;
            connection = new Connection(clientActor,
                hocon.GetTimeSpan("switchboard-client.register-timeout", TimeSpan.FromSeconds(5)),
                hocon.GetTimeSpan("switchboard-client.request-timeout", TimeSpan.FromSeconds(10)));

            var joined = await connection.ConnectAsync();
            if (joined.Registered is not { } registered)
            {
                if (interactive) AnsiConsole.MarkupLine($"[red]cannot register as {Markup.Escape(o.Name)}: {joined.Code} {Markup.Escape(joined.Error ?? "")}[/]");
                else output.Rejected(joined.Code, joined.Error ?? "rejected");
                if (joined.Code == Codes.Unreachable)
                    Console.Error.WriteLine($"no Switchboard server answered at {o.ServerHost}:{o.ServerPort}; is it running?");
                return joined.Code == Codes.Unreachable ? ExitCodes.Unreachable : ExitCodes.Rejected;
            }

            if (!interactive)
            {
                output.Registered(o.Name, registered);
                return await new ScriptedRunner(connection, output, Console.In).RunAsync(ct);
            }
            AnsiConsole.MarkupLine($"[bold aqua]Switchboard[/] — registered as [bold]{Markup.Escape(o.Name)}[/] on {Markup.Escape(registered.Node)} [grey](clientSeq {registered.ClientSeq}, serverSeq {registered.ServerSeq})[/]");
            var notices = events.Notices!;
            IMenuUi ui = AnsiConsole.Profile.Capabilities.Ansi
                ? new SpectreMenuUi(notices, ct)
                : new PlainMenuUi(Console.In, Console.Out, notices);
            return await RunMenuAsync(new MenuRunner(connection, ui), connection, ct);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
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
}

/// <summary>Routes what the client actor reports to the scripted output, or to the menu's notices.</summary>
internal sealed class ConsoleEvents(string name, Func<Connection?> connection, Output output, Notices? notices) : IClientEvents
{
    public Notices? Notices => notices;

    public void Pushed(ISwitchboardMessage message)
    {
        if (notices is null) output.Pushed(message);
        else notices.Add(Output.PlainEvent(message));
    }

    public void Lost(string why)
    {
        connection()?.MarkLost();
        if (notices is null) output.Disconnected(why);
        else notices.Add($"disconnected: {why}; reconnecting...");
    }

    public void Reconnected(Registered registered)
    {
        connection()?.MarkBack();
        if (notices is null) output.Registered(name, registered, "reconnected");
        else notices.Add($"reconnected as {name} on {registered.Node}");
    }
}

/// <summary>A host lifetime that leaves signals alone: the client decides when its actor system stops.</summary>
internal sealed class ManualLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
