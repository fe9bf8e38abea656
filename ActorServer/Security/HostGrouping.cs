using Akka.Configuration;

namespace Switchboard.Server.Security;

/// <summary>
/// What one host is for every per-host budget (<c>switchboard.hosts</c> in server.hocon; <see cref="PeerAddresses.HostKey(string, HostGrouping)"/>
/// applies it). A peer chooses its source address among those it holds, so a budget per address is a budget per
/// address it holds: a local peer holds all of 127.0.0.0/8, a remote one a subscriber's block.
/// </summary>
/// <param name="Ipv4Prefix">The bits of an IPv4 address that name its host (32: each address its own).</param>
/// <param name="Ipv6Prefix">The bits of an IPv6 address that name its host (64: one subscriber's network).</param>
/// <param name="LoopbackIsOneHost">Every loopback address is the machine itself, one host (off: for specs and
/// single-machine experiments that play several hosts on 127.0.0.0/8).</param>
public sealed record HostGrouping(int Ipv4Prefix = 32, int Ipv6Prefix = 64, bool LoopbackIsOneHost = true)
{
    /// <summary>The shipped settings, for systems without server.hocon (an in-process spec's).</summary>
    public static readonly HostGrouping Default = new();

    public const string Path = "switchboard.hosts";

    // Shorter prefixes would make a provider's, or a country's, peers one host: one of them would spend every budget
    // for all the others.
    public const int MinIpv4Prefix = 16, MinIpv6Prefix = 32;

    /// <summary>Reads and checks <c>switchboard.hosts</c>; <see cref="Default"/> where the section is absent.</summary>
    public static HostGrouping Create(Config config)
    {
        if (!config.HasPath(Path)) return Default;
        var s = new HostGrouping(
            config.RequiredInt(Path + ".ipv4-prefix"),
            config.RequiredInt(Path + ".ipv6-prefix"),
            config.RequiredBoolean(Path + ".loopback-is-one-host"));
        if (s.Ipv4Prefix is < MinIpv4Prefix or > 32 || s.Ipv6Prefix is < MinIpv6Prefix or > 128)
            throw new ConfigurationException(
                $"{Path}: ipv4-prefix must be {MinIpv4Prefix}-32 and ipv6-prefix {MinIpv6Prefix}-128 (got {s.Ipv4Prefix} and {s.Ipv6Prefix})");
        return s;
    }
}
