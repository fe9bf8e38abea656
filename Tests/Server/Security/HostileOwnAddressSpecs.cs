using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (stop 45, hC): every loopback address is one host, but a local peer also holds the machine's own
/// non-loopback addresses (eth0's 192.0.2.2 here), and Linux lets a socket bound to any of them connect to 127.0.0.1.
/// The server then sees a second host, with a budget of its own: security.md says "a local user no longer does"
/// multiply the per-host budgets.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileOwnAddressSpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-own-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string? OwnNonLoopbackIpv4() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))?.ToString();

    [Fact]
    public async Task One_local_peer_reserves_no_more_than_one_hosts_budget_from_loopback_and_the_machines_own_address()
    {
        var own = OwnNonLoopbackIpv4();
        if (own is null) { output.WriteLine("this machine has no non-loopback IPv4 address"); return; }
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        var reserved = 0;
        foreach (var ip in new[] { "127.0.0.2", own! })
        {
            var (relay, peer) = HostilePeer.On(ip, server);
            using (relay)
            using (peer)
            {
                var n = (await peer.ReserveAsync(server, $"m{ip.Replace('.', '_')}x", 12, "mallorys-password", Wait)).Count;
                output.WriteLine($"reserved from {ip}: {n}");
                reserved += n;
            }
        }
        Assert.True(reserved <= 10, $"one local peer reserved {reserved} names (loopback plus the machine's own {own})");
    }
}
