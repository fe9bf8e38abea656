using Akka.Event;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// What Akka prints itself before its loggers start and after they stop (shutdown): on stderr, like every
/// other log line, because the server's stdout carries only the "listening on" line and the summary, and in
/// the same one-line format as every other line (Akka's own is "[INFO][date][thread][source] ...").
/// </summary>
public class StderrMinimalLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        // Akka's own debug chatter at shutdown (logger start/stop) is not for people; --debug-akka shows it while running.
        if (message is Debug || (message is LogEvent routine && ReadableLogger.IsRoutine(routine))) return;
        Console.Error.WriteLine(message is LogEvent e
        ? Format(e.Timestamp, Level(e.LogLevel()), ReadableLogger.Category(e.LogSource), LogText.Clean(e.Message?.ToString()))
        : Format(DateTime.UtcNow, "info", "akka", LogText.Clean(message?.ToString())));
    }

    protected virtual string Format(DateTime at, string level, string category, string message) =>
        LogLine.Text(new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)), level, category, message);

    static string Level(Akka.Event.LogLevel l) => l switch
    {
        Akka.Event.LogLevel.DebugLevel => "dbug",
        Akka.Event.LogLevel.InfoLevel => "info",
        Akka.Event.LogLevel.WarningLevel => "warn",
        _ => "fail",
    };
}

/// <summary><see cref="StderrMinimalLogger"/> for <c>--log-format json</c>.</summary>
public sealed class JsonStderrMinimalLogger : StderrMinimalLogger
{
    protected override string Format(DateTime at, string level, string category, string message) =>
        LogLine.Json(new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)), level switch
        {
            "dbug" => "Debug",
            "info" => "Information",
            "warn" => "Warning",
            _ => "Error",
        }, category, message);
}
