using Akka.Actor;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary>What a peer can make a node write is bounded: warnings and errors of ours as of Akka's, and our info lines
/// (a refusal per registration attempt), per category and second, with a line saying how many were held back.</summary>
public sealed class ReadableLoggerSpecs
{
    private sealed class Capture : ILoggerProvider
    {
        public readonly ListLogger Lines = new();
        public ILogger CreateLogger(string categoryName) => Lines;
        public void Dispose() { }
    }

    private sealed class Chatty : ReceiveActor
    {
        public Chatty() => Receive<(Akka.Event.LogLevel Level, int Count)>(m =>
        {
            var log = Context.GetLogger();
            for (var i = 0; i < m.Count; i++) log.Log(m.Level, null, "line {0}", i);
            Sender.Tell("done");
        });
    }

    [Fact]
    public async Task A_flood_of_our_own_warnings_or_info_lines_is_cut_to_the_quota_and_counted()
    {
        var capture = new Capture();
        using var services = new ServiceCollection().AddLogging(b => b.ClearProviders().AddProvider(capture).SetMinimumLevel(LogLevel.Trace)).BuildServiceProvider();
        var setup = BootstrapSetup.Create()
            .WithConfig(ConfigurationFactory.ParseString($"akka.loggers = [\"{typeof(ReadableLogger).AssemblyQualifiedName}\"]\nakka.stdout-loglevel = OFF"))
            .And(DependencyResolverSetup.Create(services));
        var system = ActorSystem.Create("log-flood", setup);
        try
        {
            var chatty = system.ActorOf(Props.Create(() => new Chatty()), "gateway");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await chatty.Ask<string>((Akka.Event.LogLevel.WarningLevel, 5000), TimeSpan.FromSeconds(30).Scaled());
            await chatty.Ask<string>((Akka.Event.LogLevel.InfoLevel, 5000), TimeSpan.FromSeconds(30).Scaled());
            // The logger has taken in everything once a line logged last is out.
            system.Log.Error("sentinel");
            await AwaitConditionAsync(() => capture.Lines.Entries.Any(e => e.Message.Contains("sentinel")));
            var seconds = watch.Elapsed.TotalSeconds + 1;
            var lines = capture.Lines.Entries.Select(e => e.Message).Where(m => m.StartsWith("line ")).ToList();
            var warnings = capture.Lines.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.StartsWith("line "));
            Assert.InRange(warnings, LogFlood.PerSecond, LogFlood.PerSecond * Math.Ceiling(seconds + 1));
            Assert.InRange(lines.Count - warnings, ReadableLogger.InfoPerSecond, ReadableLogger.InfoPerSecond * Math.Ceiling(seconds + 1));
        }
        finally
        {
            await system.Terminate();
        }
    }

    // A new user's finding: a clean Ctrl-C with a client connected logged, now and then, DotNetty's
    // "warn: TcpServerHandler[0] Unable to REMOVE channel [...] from connection group. May not shut down cleanly."
    // The transport's shutdown empties that group before its connections' close events come in: nothing was left open,
    // but an operator was told the shutdown may not have been clean.
    [Fact]
    public async Task The_transports_connection_group_note_at_shutdown_is_not_a_warning()
    {
        var capture = new Capture();
        using var services = new ServiceCollection().AddLogging(b => b.ClearProviders().AddProvider(capture).SetMinimumLevel(LogLevel.Trace)).BuildServiceProvider();
        var setup = BootstrapSetup.Create()
            .WithConfig(ConfigurationFactory.ParseString($"akka.loggers = [\"{typeof(ReadableLogger).AssemblyQualifiedName}\"]\nakka.stdout-loglevel = OFF"))
            .And(DependencyResolverSetup.Create(services));
        var system = ActorSystem.Create("log-shutdown", setup);
        try
        {
            system.EventStream.Publish(new Akka.Event.Warning("TcpServerHandler", typeof(object),
                "Unable to REMOVE channel [[::ffff:127.0.0.1]:4053->[::ffff:127.0.0.1]:55278](Id=7b0f9b1a) from connection group. May not shut down cleanly."));
            system.Log.Error("sentinel");
            await AwaitConditionAsync(() => capture.Lines.Entries.Any(e => e.Message.Contains("sentinel")));
            Assert.DoesNotContain(capture.Lines.Entries, e => e.Message.Contains("Unable to REMOVE channel") && e.Level >= LogLevel.Information);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static async Task AwaitConditionAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20).Scaled();
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(20);
        }
    }
}
