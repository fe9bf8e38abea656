using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Switchboard.Server.Security;

/// <summary>
/// Which host each peer really connects from. A peer's Akka address (the origin it writes in its handshake, and with
/// it every sender path) is whatever it chose to write; the IP the server's socket saw is not. <see
/// cref="PeerAddressTransport"/> records, for every inbound association, its claimed origin and its socket's host;
/// the gateway keys the token penalties by the latter. Shared by the transport (Akka's threads) and the gateway, so
/// concurrent; one per actor system (an extension, not static state).
/// </summary>
public sealed class PeerAddresses : IExtension
{
    // The socket hosts of the live inbound associations that claim each origin (one entry per association), all of one
    // actor system (uid): another system claiming a live association's origin is refused (TryOpen).
    private readonly ConcurrentDictionary<Address, (ulong Uid, ImmutableList<string> Hosts)> _live = new();

    /// <summary>Whether the transport records associations here (it is applied in server.hocon); without it the
    /// gateway can only go by what peers claim.</summary>
    public bool Active { get; private set; }

    public static PeerAddresses For(ActorSystem system) => system.WithExtension<PeerAddresses, PeerAddressesId>();

    /// <summary>The client port's live inbound connections and their caps (null: none counted), for <c>/status</c>.</summary>
    public InboundConnections? Connections { get; internal set; }

    /// <summary>The other nodes of this node's segment, whose addresses only they may claim.</summary>
    public NodeIdentities Nodes { get; } = new();

    /// <summary>What this node has queued for each other node, and whether a client's message may add to it.</summary>
    public NodeQueues Queues { get; } = new();

    internal void Activate() => Active = true;

    /// <summary>Records an association of actor system <paramref name="uid"/> claiming <paramref name="origin"/>; false,
    /// recording nothing, when a live association of another actor system holds that origin. Akka would take the newcomer
    /// for that system restarted and hand it the association (and with it every message for that address): a peer could
    /// take a connected client's traffic by writing the client's address in its handshake.</summary>
    internal bool TryOpen(Address origin, string socketHost, ulong uid)
    {
        while (true)
        {
            if (!_live.TryGetValue(origin, out var held))
            {
                if (_live.TryAdd(origin, (uid, [socketHost]))) return true;
            }
            else if (held.Uid != uid) return false;
            else if (_live.TryUpdate(origin, (uid, held.Hosts.Add(socketHost)), held)) return true;
        }
    }

    internal void Closed(Address origin, string socketHost)
    {
        while (_live.TryGetValue(origin, out var held))
        {
            var left = held.Hosts.Remove(socketHost);
            if (left.IsEmpty ? _live.TryRemove(new KeyValuePair<Address, (ulong, ImmutableList<string>)>(origin, held)) : _live.TryUpdate(origin, (held.Uid, left), held))
                return;
        }
    }

    /// <summary>
    /// The host a peer claiming this address connects from; null when no live association claims it. Two hosts
    /// claiming one address (one of them impersonating the other) share a key of their own: neither is the other's.
    /// </summary>
    public string? SocketHostOf(Address address)
    {
        if (!_live.TryGetValue(address, out var held) || held.Hosts.IsEmpty) return null;
        var hosts = held.Hosts;
        var distinct = hosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return distinct.Length == 1 ? distinct[0] : string.Join(" + ", distinct);
    }

    /// <summary>What every association whose live association is gone (or never recorded) is charged to: one key shared by
    /// all of them, so going away buys no fresh host.</summary>
    public const string UnverifiedHost = "(unverified)";

    /// <summary>
    /// The host secrets presented from <paramref name="address"/> are charged to: the socket host of the association
    /// claiming it (<see cref="SocketHostOf"/>), <see cref="UnverifiedHost"/> when none does; without the transport (an
    /// in-process spec's system, or a config that drops the adapter) or for a local address, what the address says.
    /// </summary>
    public string HostOf(Address address)
    {
        if (!Active || !address.HasGlobalScope) return address.Host ?? "";
        return SocketHostOf(address) ?? UnverifiedHost;
    }

    /// <summary>What one host is for this node (<c>switchboard.hosts</c>).</summary>
    public HostGrouping Hosts { get; }

    private readonly MachineAddresses _machine;

    public PeerAddresses(HostGrouping? hosts = null, MachineAddresses? machine = null)
    {
        Hosts = hosts ?? HostGrouping.Default;
        _machine = machine ?? new MachineAddresses();
    }

    /// <summary>The key of a socket's host under this node's <see cref="Hosts"/>; the machine's own addresses are the
    /// machine, as loopback is.</summary>
    public string HostKey(string socketHost) => HostKey(socketHost, Hosts, _machine.Contains);

    /// <summary>
    /// The key of a socket's host, the one place that decides what a host is for every per-host budget: its IP, an
    /// IPv4 one as such even on a dual-stack socket, by its first <see cref="HostGrouping.Ipv4Prefix"/> bits (an IPv6 one
    /// by <see cref="HostGrouping.Ipv6Prefix"/>, /64 by default: one subscriber's network, which hands its owner more
    /// addresses than anyone could penalise one by one); every loopback address is the machine itself, keyed as
    /// 127.0.0.1 (a local peer binds any of 127.0.0.0/8 and ::1, and got a budget for each).
    /// </summary>
    /// <param name="isMachine">Whether an address is one of this machine's own (<see cref="MachineAddresses"/>): keyed as
    /// loopback is.</param>
    public static string HostKey(string socketHost, HostGrouping grouping, Func<IPAddress, bool>? isMachine = null)
    {
        var text = socketHost.StartsWith('[') && socketHost.EndsWith(']') ? socketHost[1..^1] : socketHost;
        if (!IPAddress.TryParse(text, out var ip)) return socketHost;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (IPAddress.IsLoopback(ip) || (grouping.LoopbackIsOneHost && isMachine?.Invoke(ip) == true))
        {
            if (grouping.LoopbackIsOneHost) return Machine;
            if (ip.AddressFamily == AddressFamily.InterNetworkV6) return ip.ToString(); // ::1, as before the setting
        }
        var v4 = ip.AddressFamily == AddressFamily.InterNetwork;
        var prefix = v4 ? grouping.Ipv4Prefix : grouping.Ipv6Prefix;
        var bytes = ip.GetAddressBytes();
        if (prefix >= bytes.Length * 8) return ip.ToString();
        for (var bit = prefix; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return $"{new IPAddress(bytes)}/{prefix}";
    }

    // Every client of this machine came from it before loopback was grouped, so the hosts a name logged in from (kept in
    // its journal) and the log lines go on naming it so.
    private const string Machine = "127.0.0.1";

    internal sealed class PeerAddressesId : ExtensionIdProvider<PeerAddresses>
    {
        public override PeerAddresses CreateExtension(ExtendedActorSystem system) => new(HostGrouping.Create(system.Settings.Config));
    }
}
