using Akka.Configuration;

namespace Switchboard.Tests.Support;

/// <summary>Config every TestKit spec starts from: the suite's time factor as Akka's, so ExpectMsg/AwaitAssert bounds
/// scale with <see cref="TimeFactor"/> like the process specs' waits.</summary>
public static class ActorTestConfig
{
    // ExpectMsg, FishForMessage and AwaitAssert without a bound wait this long (Akka's default is 3 s): 150 of them
    // wait for an actor of the test host, which runs four spec classes at once beside the process specs' servers on
    // 2 cores, where a few seconds' stall of the thread pool is ordinary. It only bounds a wait for a message that
    // comes; every "nothing came" check names its own window.
    public static Config TimeFactorConfig =>
        ConfigurationFactory.ParseString(FormattableString.Invariant($"akka.test.timefactor = {TimeFactor.Value}\nakka.test.single-expect-default = 10s"));

    /// <summary>The time factor, with warnings and errors only in the log (a spec of the client's own actors).</summary>
    public static Config Quiet => ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(TimeFactorConfig);

    /// <summary>The server's real hocon (dispatchers, serialization) with a local provider.</summary>
    public static Config Server(string? overrides = null) =>
        ConfigurationFactory.ParseString((overrides ?? "") + "\nakka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(TimeFactorConfig)
            .WithFallback(SwitchboardConfig.Load(Path.Combine(RepoRoot.Find(), "hocon", "server.hocon")));
}
