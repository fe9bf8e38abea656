using Akka.Configuration;

namespace Switchboard.Server.Registry;

/// <summary>The segment registry's settings (<c>switchboard.*</c> in server.hocon).</summary>
/// <param name="MutexTimeout">How long a store call waits for the cross-process mutex before it answers 503.</param>
/// <param name="MaintainInterval">Heartbeat of this node in the segment, reaping of dead nodes, presence look.</param>
public sealed record StateSettings(TimeSpan MutexTimeout, TimeSpan MaintainInterval)
{
    public const string Dispatcher = "state-dispatcher";

    public static StateSettings Create(Config config) => new(
        config.RequiredTimeSpan("switchboard.mutex-timeout"),
        config.RequiredTimeSpan("switchboard.maintain-interval"));
}
