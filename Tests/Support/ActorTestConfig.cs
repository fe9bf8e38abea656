using Akka.Configuration;

namespace Switchboard.Tests.Support;

/// <summary>Config every TestKit spec starts from: the suite's time factor as Akka's, so ExpectMsg/AwaitAssert bounds
/// scale with <see cref="TimeFactor"/> like the process specs' waits.</summary>
public static class ActorTestConfig
{
    public static Config TimeFactorConfig =>
        ConfigurationFactory.ParseString(FormattableString.Invariant($"akka.test.timefactor = {TimeFactor.Value}"));

    /// <summary>The server's real hocon (dispatchers, serialization) with a local provider.</summary>
    public static Config Server(string? overrides = null) =>
        ConfigurationFactory.ParseString((overrides ?? "") + "\nakka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(TimeFactorConfig)
            .WithFallback(SwitchboardConfig.Load(Path.Combine(RepoRoot.Find(), "hocon", "server.hocon")));
}
