using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.Support;

/// <summary>
/// A TCP port on a loopback address that nothing listens on, for a spec to hand to a process (a monitor address, a
/// node's ports named in the seeds, a server that is not there). Taken below the kernel's ephemeral range: a port the kernel gave one listener and took back
/// can be handed at once to the next socket bound to port 0, such as the server's own node port, which then takes
/// the spec's port first (a loaded run failed so: "cannot serve --monitor ...: Address already in use").
/// Ports are handed out in turn from a random start, never twice in one run: two random picks before either process
/// had bound could be the same port (CI failed so: a node's client port and its node port were equal).
/// SWITCHBOARD_SPEC_PORTS=LOW-HIGH narrows them to a range of ports a run may use (several runs sharing one box).
/// </summary>
public static class FreePorts
{
    private const int Span = 12_000;
    private static int _turn = Random.Shared.Next(Span);

    public static int Next(string host = "127.0.0.1")
    {
        var address = IPAddress.Parse(host);
        var (low, below) = Range();
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = low + (int)((uint)Interlocked.Increment(ref _turn) % (uint)(below - low));
            try
            {
                using var probe = new TcpListener(address, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: another
            }
        }
        throw new InvalidOperationException($"no free port found below {below}");
    }

    // [low, below): SWITCHBOARD_SPEC_PORTS when it names a range, else the Span ports under the ephemeral range.
    private static (int Low, int Below) Range()
    {
        if (Environment.GetEnvironmentVariable("SWITCHBOARD_SPEC_PORTS")?.Split('-') is [var l, var h]
            && int.TryParse(l, out var low) && int.TryParse(h, out var high) && 1024 < low && low < high && high < 65536)
            return (low, high + 1);
        var below = EphemeralLow();
        return (Math.Max(1025, below - Span), below);
    }

    // /proc/sys/net/ipv4/ip_local_port_range: "low high"; Linux's default low end where it cannot be read.
    private static int EphemeralLow()
    {
        try
        {
            var low = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(low) is var n && n > 2048 ? n : 32768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32768;
        }
    }
}
