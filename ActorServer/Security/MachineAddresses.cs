using System.Collections.Frozen;
using System.Net;
using System.Net.NetworkInformation;

namespace Switchboard.Server.Security;

/// <summary>
/// The addresses this machine's own interfaces hold (eth0's, a bridge's, IPv6 link-local ones): a local peer may bind any
/// of them and connect to a server on 127.0.0.1, so each would be a host of its own and multiply every per-host budget
/// (a retest's finding). Read again when older than <see cref="Fresh"/>, as interfaces come and go; asked once per
/// connection, from the transport's threads (the set is swapped whole, never changed in place).
/// </summary>
public sealed class MachineAddresses
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);
    private readonly Func<IEnumerable<IPAddress>> _read;
    private readonly Func<long> _nowMs;
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(FrozenSet<IPAddress> Addresses, long ReadAtMs);

    /// <param name="read">The interfaces' addresses (the machine's by default; a spec's own).</param>
    /// <param name="nowMs">A monotonic clock in milliseconds (<see cref="Environment.TickCount64"/> by default).</param>
    public MachineAddresses(Func<IEnumerable<IPAddress>>? read = null, Func<long>? nowMs = null)
    {
        _read = read ?? Interfaces;
        _nowMs = nowMs ?? (() => Environment.TickCount64);
    }

    public bool Contains(IPAddress address)
    {
        var now = _nowMs();
        var s = _snapshot;
        if (s is null || now - s.ReadAtMs > Fresh.TotalMilliseconds) _snapshot = s = new Snapshot(Read(), now);
        return s.Addresses.Contains(Plain(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
    }

    // A link-local address names its interface (fe80::1%2); the set holds the bare address.
    private static IPAddress Plain(IPAddress a) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && a.ScopeId != 0 ? new IPAddress(a.GetAddressBytes()) : a;

    private FrozenSet<IPAddress> Read()
    {
        try
        {
            return _read().Select(Plain).ToFrozenSet();
        }
        catch (Exception e) when (e is NetworkInformationException or PlatformNotSupportedException or IOException)
        {
            return FrozenSet<IPAddress>.Empty; // unreadable here: loopback alone is the machine, as before
        }
    }

    private static IEnumerable<IPAddress> Interfaces() =>
        NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address);
}
