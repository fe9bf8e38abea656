using Akka.Configuration;

namespace Switchboard.Server.Security;

/// <summary>
/// Refuses settings that would start a node without <see cref="PeerAddressTransport"/> under its transport: every
/// per-host bound, the connection caps and the check that a <c>Register</c> comes from its association's own origin go
/// by what that adapter records, and without it they would go by what each peer wrote in its handshake. An operator's
/// file may add adapters, not drop this one.
/// </summary>
public static class TransportGuardCheck
{
    public const string AdaptersPath = "akka.remote.dot-netty.tcp.applied-adapters";
    private const string Name = "peer-address";
    private const string ProviderPath = "akka.remote.adapters." + Name;

    /// <exception cref="ConfigurationException">The adapter is not applied, or its name names another class.</exception>
    public static void Check(Config hocon)
    {
        var applied = hocon.HasPath(AdaptersPath) ? hocon.GetStringList(AdaptersPath) : [];
        if (!applied.Contains(Name))
            throw new ConfigurationException($"{AdaptersPath} must keep {Name} (the transport's record of each peer's socket host, " +
                $"which the per-host limits and the registration check go by); add other adapters beside it, not instead (now: [{string.Join(", ", applied)}])");
        var provider = typeof(PeerAddressTransportProvider);
        var named = hocon.GetString(ProviderPath, "");
        // Akka reads the entry as "Type, Assembly"; a spelling with or without the space names the same class.
        if (named.Split(',', StringSplitOptions.TrimEntries) is not [var type, var assembly]
            || type != provider.FullName || assembly != provider.Assembly.GetName().Name)
            throw new ConfigurationException($"{ProviderPath} must be {provider.FullName},{provider.Assembly.GetName().Name} (now: '{named}')");
    }
}
