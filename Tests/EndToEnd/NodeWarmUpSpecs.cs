using System.Globalization;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// Nodes of one segment open their association to each other when they see each other in the segment, not at a
/// client's first message for the other node: that message waited for the TCP, TLS and Akka handshakes (~140 ms for
/// two TLS nodes on a busy 2-core box, first against 5 ms after), and once, on a CI run of a loaded box, past the
/// sender's delivery-timeout (404 "the recipient's node did not answer", TlsSpecs).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeWarmUpSpecs
{
    [Fact]
    public async Task Two_nodes_of_a_segment_connect_to_each_other_before_any_client_traffic()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await Eventually.HoldsAsync(() => Connected(a.Process.Pid, b.Port) || Connected(b.Process.Pid, a.Port), TimeSpan.FromSeconds(30),
            () => $"no connection between the nodes; A's stderr:\n{a.Process.StdErr}\nB's stderr:\n{b.Process.StdErr}");
    }

    // An established TCP connection of process `pid` to local port `port` (/proc/net/tcp and tcp6, the nodes' sockets
    // being dual-mode: addresses in hex with the port last; state 01 is ESTABLISHED; the tenth column the socket's inode).
    private static bool Connected(int pid, int port)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f[3] == "01" && int.Parse(f[2].Split(':')[1], NumberStyles.HexNumber) == port && inodes.Contains(f[9]));
    }
}
