using Akka.Configuration;

namespace Switchboard.Server.Hosting;

/// <summary>Every setting of a node, read and checked once at start: a bad file is one clear error, not a failed actor.</summary>
public sealed record ServerSettings(Config Hocon, StateSettings State, SessionSettings Sessions, RoomsSettings Rooms, RegistrationSettings Registration,
    HostGrouping Hosts)
{
    /// <param name="userPath">A file with the settings to change; null for the shipped <c>hocon/server.hocon</c>.</param>
    public static ServerSettings Load(string? userPath)
    {
        var hocon = SwitchboardConfig.LoadSide(userPath, "server.hocon");
        Security.TransportGuardCheck.Check(hocon);
        // Hosts: PeerAddresses reads the same section from the actor system's copy of this hocon (the transport, made by
        // Akka, has nothing else to go by); read here too so that a bad value stops the start with one clear error.
        return new ServerSettings(hocon, StateSettings.Create(hocon), SessionSettings.Create(hocon), RoomsSettings.Create(hocon), RegistrationSettings.Create(hocon),
            HostGrouping.Create(hocon));
    }
}
