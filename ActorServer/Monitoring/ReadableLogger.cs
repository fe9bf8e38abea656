using System.Collections.Concurrent;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// Akka's log events into Microsoft.Extensions.Logging, one line each, under a short category: the actor
/// path below /user ("gateway", "gateway/alice", "state") or the system component ("remoting").
/// The stock bridge repeats Akka's own "[INFO][date][thread][source]" prefix inside every line.
/// </summary>
public sealed class ReadableLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new();
    private readonly ILoggerFactory _factory;
    private readonly LogSwitches _switches;
    private readonly LogFlood _flood = new(TimeProvider.System);

    public ReadableLogger()
    {
        var resolver = DependencyResolver.For(Context.System).Resolver;
        _factory = resolver.GetService<ILoggerFactory>();
        _switches = resolver.GetService<LogSwitches>() ?? LogSwitches.Default;
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        // What a peer can make a node write, bounded per category: warnings and errors (Akka's and ours: a refused
        // message is one line, and a peer sent 50,000 in 39 ms), and our info lines (a connect and a refusal per
        // registration attempt, thousands a second from one flooding peer), at a quota no real burst of clients meets.
        var infoFlood = new LogFlood(TimeProvider.System, InfoPerSecond);
        Receive<LogEvent>(e =>
        {
            if (TlsRefusalLine.Of(e) is { } tls)
            {
                LogRefusal(TlsRefusalLine.Category, tls.Level, tls.Text, e);
                return;
            }
            if (FrameRefusalLine.Of(e) is { } frame)
            {
                LogRefusal(FrameRefusalLine.Category, frame.Level, frame.Text, e);
                return;
            }
            // --debug is about requests and replies; Akka's own debug output (shutdown phases, the remote
            // watcher, ...) only with --debug-akka.
            if (!_switches.DebugAkka && !IsSwitchboard(e.LogSource) && (e is Debug || IsRoutine(e))) return;
            var category = Category(e.LogSource);
            var logger = _loggers.GetOrAdd(category, _factory.CreateLogger);
            var (quota, perSecond) = e switch
            {
                Warning or Error => (_flood, LogFlood.PerSecond),
                Info when !IsRoutine(e) => (infoFlood, InfoPerSecond),
                _ => (null, 0),
            };
            if (quota is not null)
            {
                if (!quota.Admit(category, out var held)) return;
                if (held > 0) logger.Log(LogLevel.Warning, "{Message}", $"{held} more lines of this kind were not logged (over {perSecond} a second)");
            }
            // A peer closing its connection is how every client leaves: news, not an error with a stack.
            if (e.Cause?.GetType().Name == "EndpointDisassociatedException") // internal to Akka.Remote
                logger.Log(LogLevel.Debug, "{Message}", "connection closed by the peer");
            // The inbound guard refused what a peer sent: the guard's reason is the news, Akka's stack and advice are not.
            else if (e.Cause is System.Runtime.Serialization.SerializationException s && s.Message.StartsWith("refused a peer's", StringComparison.Ordinal))
                logger.Log(LogLevel.Warning, "{Message}", LogText.Clean(s.Message));
            else // what a peer wrote may be quoted in either: escaped and bounded
                logger.Log(IsRoutine(e) ? LogLevel.Debug : Level(e.LogLevel()), e.Cause is null ? null : new LoggedException(e.Cause), "{Message}",
                    LogText.Clean(e.Message?.ToString()));
        });
    }

    // A refused connection (TLS, or bytes that are not frames): one warning in words, no stack, under one quota of its
    // category; Akka's repeats only with --debug-akka.
    private void LogRefusal(string category, LogLevel level, string text, LogEvent e)
    {
        var logger = _loggers.GetOrAdd(category, _factory.CreateLogger);
        if (level != LogLevel.Warning)
        {
            if (_switches.DebugAkka) logger.Log(LogLevel.Debug, e.Cause is null ? null : new LoggedException(e.Cause), "{Message}", LogText.Clean(text));
            return;
        }
        if (!_flood.Admit(category, out var held)) return;
        if (held > 0) logger.Log(LogLevel.Warning, "{Message}", $"{held} more lines of this kind were not logged (over {LogFlood.PerSecond} a second)");
        logger.Log(LogLevel.Warning, "{Message}", LogText.Clean(text));
    }

    /// <summary>Info lines a category writes a second at most (registrations are bounded at 50 a second by default).</summary>
    public const int InfoPerSecond = 200;

    // What Akka.Remote says each time a client leaves (the gateway and sessions already log that in words), and the
    // transport's own start and stop steps (the node says "listening on" and prints its summary): --debug-akka shows them.
    // "Unable to REMOVE channel ... May not shut down cleanly" is DotNetty's handler finding a connection that closes
    // after the transport's shutdown emptied its group, as it closes them all: it was a warning on a clean Ctrl-C.
    internal static bool IsRoutine(LogEvent e) =>
        e.Message?.ToString() is { } text && Routine.Any(r => text.StartsWith(r, StringComparison.Ordinal) || (r[0] == ' ' && text.Contains(r, StringComparison.Ordinal)));

    private static readonly string[] Routine =
    [
        " is now gated", "Removing receive buffers", "Starting remoting", "Remoting started", "Remoting now listens",
        "Shutting down remote daemon", "Remote daemon shut down", "Remoting shut down", "CoordinatedShutdown invoked due to",
        "Unable to REMOVE channel",
    ];

    /// <summary>Our actors (under /user) and the sessions' logger; everything else is Akka's.</summary>
    internal static bool IsSwitchboard(string source) =>
        source.StartsWith("session", StringComparison.Ordinal) || source.Contains("/user/", StringComparison.Ordinal);

    internal static string Category(string source)
    {
        var user = source.IndexOf("/user/", StringComparison.Ordinal);
        if (user >= 0) return source[(user + 6)..];
        var system = source.IndexOf("/system/", StringComparison.Ordinal);
        if (system >= 0) source = source[(system + 8)..];
        var paren = source.IndexOf(" (", StringComparison.Ordinal);
        return paren > 0 ? source[..paren] : source.Length > 48 ? source[..48] : source;
    }

    private static LogLevel Level(Akka.Event.LogLevel level) => level switch
    {
        Akka.Event.LogLevel.DebugLevel => LogLevel.Debug,
        Akka.Event.LogLevel.InfoLevel => LogLevel.Information,
        Akka.Event.LogLevel.WarningLevel => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}
