using System.Net;
using System.Net.Sockets;

namespace Switchboard.Client.Hosting;

/// <summary>
/// The servers a client may use (<c>--server HOST:PORT,HOST:PORT</c>), tried in turn: at the first registration,
/// and each time the client rebuilds its actor system to reconnect it moves on to the next one.
/// </summary>
public sealed class ServerList
{
    private readonly (string Host, int Port)[] _servers;
    private int _next;

    private ServerList((string Host, int Port)[] servers) => _servers = servers;

    public int Count => _servers.Length;

    public IReadOnlyList<(string Host, int Port)> All => _servers;

    /// <summary>"HOST:PORT[,HOST:PORT...]"; null when any entry is not HOST:PORT.</summary>
    public static ServerList? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (HostPort.ParseList(text, out _) is not { } parsed) return null;
        var list = new List<(string, int)>();
        foreach (var (name, port) in parsed)
        {
            var host = SwitchboardConfig.CanonicalHost(name);
            // "0.0.0.0" (anywhere) is where a server binds, not an address to send to: it means this host.
            if (host == IPAddress.Any.ToString()) host = IPAddress.Loopback.ToString();
            list.Add((host, port));
        }
        return new ServerList([.. list]);
    }

    /// <summary>The server to use now; <see cref="MoveOn"/> picks the next one.</summary>
    public (string Host, int Port) Current => _servers[Volatile.Read(ref _next) % _servers.Length];

    public void MoveOn() => Interlocked.Increment(ref _next);

    public override string ToString() => string.Join(",", _servers.Select(s => $"{s.Host}:{s.Port}"));

    /// <summary>
    /// The local address this host uses to reach <paramref name="host"/> (the kernel's route choice; a UDP "connect"
    /// sends nothing): a server on another host can call the client back there, where 127.0.0.1 would not do.
    /// </summary>
    public static string LocalAddressFor(string host)
    {
        try
        {
            var target = IPAddress.Parse(host);
            using var probe = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(target, 9));
            return ((IPEndPoint)probe.LocalEndPoint!).Address.ToString();
        }
        catch (Exception ex) when (ex is SocketException or FormatException)
        {
            return IPAddress.Loopback.ToString();
        }
    }
}
