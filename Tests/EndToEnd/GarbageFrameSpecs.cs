using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// Bytes that are not Akka's frames on the client port, from a stranger: the connection is closed and the node says so
/// in one warning naming the peer and what was wrong, no stack, and a flood of them is bounded by the log's quota.
/// Tester (2026-12-07): each was a "fail:" line of ~950 characters with DotNetty's TooLongFrameException or
/// CorruptedFrameException and its stack, a second one for the same connection as it closed.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class GarbageFrameSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_stranger_s_garbage_frame_is_one_warning_naming_the_peer_and_what_was_wrong_without_a_stack()
    {
        await using var server = await ServerNode.StartAsync();
        // A length field announcing 4 GB less a byte (negative as Akka reads it), and one announcing 1 GB.
        var negative = await GarbageAsync(server.Port, [0xff, 0xff, 0xff, 0xff, 0x61, 0x62, 0x63, 0x64]);
        var tooLong = await GarbageAsync(server.Port, "GARBAGE!"u8.ToArray());
        await server.StopAsync();
        var log = server.Process.StdErr;
        string Said(int port)
        {
            var lines = log.Split('\n').Where(l => Regex.IsMatch(l, $@"127\.0\.0\.1\]?:{port}\b")).ToList();
            Assert.True(lines.Count == 1, $"expected one line about port {port}, got {lines.Count}:\n{string.Join('\n', lines)}");
            Assert.Contains($" warn: frames[0] refused peer 127.0.0.1:{port}: ", lines[0]);
            return lines[0];
        }
        Assert.Contains("not Akka.Remote's framing", Said(negative));
        Assert.Contains("over the frame size of 512,000 bytes", Said(tooLong));
        Assert.DoesNotContain("   at ", log);
        Assert.DoesNotContain("fail:", log);
        Assert.DoesNotContain("DotNetty", log);
    }

    [Fact]
    public async Task A_flood_of_garbage_connections_writes_no_more_than_the_log_quota_and_the_node_serves_on()
    {
        await using var server = await ServerNode.StartAsync();
        const int Connects = 1000;
        var started = DateTime.UtcNow;
        var garbage = "GARBAGE!"u8.ToArray();
        await Parallel.ForAsync(0, Connects, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, _) => await GarbageAsync(server.Port, garbage));
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        await using (var alice = await server.ConnectAsync("alice"))
            Assert.Equal(42L, (await alice.SendAsync("calc 40 + 2")).GetProperty("result").GetInt64());
        await server.StopAsync();
        var lines = server.Process.StdErr.Split('\n');
        var refused = lines.Count(l => l.Contains(" warn: frames[0] refused peer 127.0.0.1:", StringComparison.Ordinal));
        var held = lines.Where(l => l.Contains(" warn: frames[0] ", StringComparison.Ordinal) && l.Contains("more lines of this kind were not logged", StringComparison.Ordinal))
            .Sum(l => long.Parse(Regex.Match(l, @"(\d+) more lines").Groups[1].Value));
        // At most 20 a second of the flood's length (and the second it ended in), the rest counted.
        Assert.InRange(refused, 1, 20 * ((int)Math.Ceiling(seconds) + 2));
        Assert.True(refused + held <= Connects, $"{refused} lines and {held} held back for {Connects} connections");
        Assert.DoesNotContain("   at ", server.Process.StdErr);
        Assert.DoesNotContain("fail:", server.Process.StdErr);
    }

    // Connects, sends the bytes and waits until the server hangs up; the local port names the peer in the log.
    private static async Task<int> GarbageAsync(int port, byte[] bytes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var local = ((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        var stream = tcp.GetStream();
        await stream.WriteAsync(bytes);
        var buffer = new byte[64];
        try
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(Patience) > 0) { }
        }
        catch (IOException) { }
        return local;
    }
}
