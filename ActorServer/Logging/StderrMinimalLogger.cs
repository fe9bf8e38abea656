using Akka.Event;

namespace Switchboard.Server.Logging;

/// <summary>
/// What Akka prints itself before its loggers start and after they stop (shutdown): on stderr, like every
/// other log line, because the server's stdout carries only the "listening on" line and the summary.
/// </summary>
public sealed class StderrMinimalLogger : MinimalLogger
{
    protected override void Log(object message) => Console.Error.WriteLine(message);
}
