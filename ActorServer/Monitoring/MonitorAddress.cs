using System.Net;

namespace Switchboard.Server.Monitoring;

/// <summary><c>--monitor HOST:PORT</c> (or <c>http://HOST:PORT</c>, as the endpoint's address is written): where the monitoring endpoint listens (an IP literal or a resolvable name).</summary>
public sealed record MonitorAddress(IPAddress Ip, int Port)
{
    public override string ToString() => Ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Ip}]:{Port}" : $"{Ip}:{Port}";

    /// <summary>Parses HOST:PORT or http://HOST:PORT; null and a reason a person can act on when it is not one.</summary>
    public static MonitorAddress? Parse(string text, out string? problem)
    {
        if (HostPort.Parse(text, out problem, example: "127.0.0.1:8222", HostPort.Form.Web) is not var (host, port))
        {
            problem = $"--monitor {problem}";
            return null;
        }
        if (IPAddress.TryParse(host, out var ip)) return new MonitorAddress(ip, port);
        try
        {
            // A name binds where it resolves, IPv4 first (as the node's own --host does).
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            if (chosen is not null) return new MonitorAddress(chosen, port);
        }
        catch (System.Net.Sockets.SocketException) { }
        problem = $"--monitor host '{host}' does not resolve to an address";
        return null;
    }
}
