using Akka.Configuration;

namespace Switchboard.Server.Gateway;

/// <summary>What one peer may take of the name table (<c>switchboard.registration.*</c> in server.hocon).</summary>
/// <param name="PerAddress">Live registrations one client actor system (one remote address) may hold.</param>
/// <param name="PerSecond">Registrations this node accepts a second, all peers together (0: no limit).</param>
/// <param name="Burst">Registrations it accepts at once above that rate.</param>
/// <param name="FailuresBeforePenalty">Wrong tokens from one host before its attempts are refused for a while.</param>
/// <param name="FirstPenalty">How long a host waits after its first penalised failure; it doubles with each more.</param>
/// <param name="MaxPenalty">The longest a host that keeps failing waits.</param>
/// <param name="NodeFailureBurst">Wrong tokens this node evaluates at once from hosts without a recent right token,
/// all hosts together, before it stops evaluating theirs.</param>
/// <param name="NodeFailuresPerSecond">How fast that budget refills (0: no node-wide budget).</param>
/// <param name="RemoteClientsOnly">A client is always another actor system: a sender that resolves to a local
/// actor was written by a peer (or is a spec's probe, which turns this off).</param>
/// <param name="PerHost">Live registrations one host (the IP the node's socket saw) may hold, all its client systems
/// together (0: no limit).</param>
/// <param name="PerHostPerSecond">Registrations one host may make a second (0: no limit), <paramref name="PerHostBurst"/>
/// at once: one peer cannot spend the node's whole rate.</param>
public sealed record RegistrationSettings(
    int PerAddress,
    double PerSecond,
    double Burst,
    int FailuresBeforePenalty,
    TimeSpan FirstPenalty,
    TimeSpan MaxPenalty,
    double NodeFailureBurst,
    double NodeFailuresPerSecond,
    bool RemoteClientsOnly,
    int PerHost = 0,
    double PerHostPerSecond = 0,
    double PerHostBurst = 0)
{
    public static RegistrationSettings Create(Config config) => new(
        config.RequiredInt("switchboard.registration.per-address"),
        config.RequiredDouble("switchboard.registration.per-second"),
        config.RequiredDouble("switchboard.registration.burst"),
        config.RequiredInt("switchboard.registration.failures-before-penalty"),
        config.RequiredTimeSpan("switchboard.registration.first-penalty"),
        config.RequiredTimeSpan("switchboard.registration.max-penalty"),
        config.RequiredDouble("switchboard.registration.node-failure-burst"),
        config.RequiredDouble("switchboard.registration.node-failures-per-second"),
        config.RequiredString("switchboard.registration.remote-clients-only") is "on" or "true" or "yes",
        config.RequiredInt("switchboard.registration.per-host"),
        config.RequiredDouble("switchboard.registration.per-host-per-second"),
        config.RequiredDouble("switchboard.registration.per-host-burst"));
}
