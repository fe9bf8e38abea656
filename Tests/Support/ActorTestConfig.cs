using Akka.Configuration;

namespace Switchboard.Tests.Support;

/// <summary>The server's real hocon (dispatchers, serialization) with a local provider for TestKit specs.</summary>
public static class ActorTestConfig
{
    public static Config Server(string? overrides = null) =>
        ConfigurationFactory.ParseString((overrides ?? "") + "\nakka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(SwitchboardConfig.Load(Path.Combine(RepoRoot.Find(), "hocon", "server.hocon")));
}
