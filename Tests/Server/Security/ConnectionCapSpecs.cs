using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// A stranger opening connections that each start a frame of the largest size and never finish it: Akka's decoder held
/// each until its last byte (2,000 of them, ~1 GB). A host's connections past <c>switchboard.max-connections-per-host</c>,
/// and every host's past <c>switchboard.max-connections</c>, are closed at accept, unread, with one warning for the lot;
/// other hosts, and the host once it closes some, are served as before.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ConnectionCapSpecs
{
    private const int PerHost = 4;
    private const int Extra = 100;
    // What the transport takes at most (maximum-frame-size, shared.hocon), less a few bytes: decoded only once complete.
    private const int Frame = 511_000;

    [Fact]
    public async Task A_hosts_connections_past_its_cap_are_closed_at_accept_with_one_warning_and_the_node_serves_on()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--config", await ConfigAsync($"switchboard.max-connections-per-host = {PerHost}\nswitchboard.max-connections = 64")]);

        // The host's cap of connections, each handshaken (no handshake timeout ends it) and then holding a frame that never
        // completes.
        var held = await HoldAsync(server, round: 1);
        try
        {
            // More from that host, each starting as large a frame: all closed by the server, none of them read (the driver's
            // own graceful close read each refused connection's frame first: 100 of them held ~50 MB).
            var before = ResidentKb(server);
            var extra = await Task.WhenAll(Enumerable.Range(0, Extra).Select(_ => RefusedAsync(server.Port)));
            Assert.All(extra, refused => Assert.True(refused, "a connection past the host's cap was not closed by the server"));
            var grown = (ResidentKb(server) - before) / 1024;
            Assert.True(grown < Extra * (long)Frame / 4 / (1024 * 1024), $"the server grew {grown} MB while refusing {Extra} connections");
            Assert.All(held, s => Assert.True(StillOpen(s), "a connection within the cap was closed"));

            // One warning for the lot (a second only if this took a minute), naming the host and the setting.
            await Eventually.HoldsAsync(() => server.Process.StdErr.Contains("switchboard.max-connections-per-host"), TimeSpan.FromSeconds(30),
                () => $"no warning naming the cap; stderr:\n{server.Process.StdErr}");
            var warnings = Regex.Matches(server.Process.StdErr, @"refusing connections from 127\.0\.0\.1: it has \d+ open \(switchboard\.max-connections-per-host = 4\)");
            Assert.InRange(warnings.Count, 1, 2);

            // Another host is a count of its own: a client there registers and is answered.
            var (relay, peer) = HostilePeer.On("127.0.0.2", server);
            using (relay)
            using (peer)
            {
                var session = Assert.IsType<Registered>(await peer.RegisterAsync(server, new Register("elsewhere"))).Session;
                session.Tell(new Request(2, "add", ["1", "1"]), peer.Inbox.Receiver);
                while (await peer.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled()) is not Reply { Id: 2 }) { }
            }
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        // Each closed connection gave its count back, and no refused one took any: the host fills its cap again (once the
        // server has seen the closes), and the next one is refused.
        held = await HoldAsync(server, round: 2);
        try
        {
            Assert.True(await RefusedAsync(server.Port), "the cap was not the same after its connections closed");
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        // And a real client of that host registers once those are closed.
        await Eventually.HoldsAsync(async () =>
        {
            await using var alice = await server.ConnectAsync("alice");
            return alice.Registration.GetProperty("code").GetInt32() == 200 && (await alice.SendAsync("prime 7")).GetProperty("code").GetInt32() == 200;
        }, TimeSpan.FromSeconds(60), () => $"alice never registered; stderr:\n{server.Process.StdErr}");
        Assert.False(server.Process.HasExited);
    }

    [Fact]
    public async Task Past_the_total_every_host_is_refused_at_accept_until_a_connection_closes()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--config", await ConfigAsync("switchboard.max-connections-per-host = 0\nswitchboard.max-connections = 4")]);
        var held = await HoldAsync(server, round: 1, count: 2);
        held.AddRange(await HoldAsync(server, round: 2, count: 2, source: "127.0.0.2"));
        try
        {
            Assert.True(await RefusedAsync(server.Port, "127.0.0.3"), "a host with no connection was admitted past the total");
            Assert.True(await RefusedAsync(server.Port, "127.0.0.1"), "a host was admitted past the total");
            Assert.All(held, s => Assert.True(StillOpen(s), "a connection within the total was closed"));
            await Eventually.HoldsAsync(() => server.Process.StdErr.Contains("switchboard.max-connections = 4"), TimeSpan.FromSeconds(30),
                () => $"no warning naming the total; stderr:\n{server.Process.StdErr}");
            Assert.Matches(@"refusing connections from 127\.0\.0\.[13] and every other host: 4 open in all \(switchboard\.max-connections = 4\)", server.Process.StdErr);

            // One closes: one more is admitted (once the server has seen the close), and no more.
            held[0].Dispose();
            held.AddRange(await HoldAsync(server, round: 3, count: 1, source: "127.0.0.3"));
            Assert.True(await RefusedAsync(server.Port, "127.0.0.3"), "a host was admitted past the total after one connection closed");
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    // Akka ends a connection that never completes its handshake after the transport's connection-timeout (over the
    // DotNetty transport that is its handshake timeout): long past the specs' bounds, so a connection closed within them
    // was closed by a cap.
    private static async Task<string> ConfigAsync(string caps)
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("sb-conncap-").FullName, "caps.hocon");
        // 127.0.0.2 and .3 play other hosts.
        await File.WriteAllTextAsync(config, caps + "\nakka.remote.dot-netty.tcp.connection-timeout = 600s\n" + HostilePeer.LoopbackHostsApart + "\n");
        return config;
    }

    /// <summary><paramref name="count"/> connections from <paramref name="source"/> (127.0.0.1 by default), each
    /// handshaken (the server answered it) and then holding a partial frame; a connection the server refuses meanwhile (it
    /// has not yet seen earlier ones close) is tried again, within a bound.</summary>
    private static async Task<List<Socket>> HoldAsync(ServerNode server, int round, int count = PerHost, string source = "127.0.0.1")
    {
        var held = new List<Socket>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60).Scaled();
        for (var i = 0; held.Count < count; i++)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {held.Count} of {count} connections admitted; stderr:\n{server.Process.StdErr}");
            var socket = await RawAkka.HandshakeAsync(server.Port, $"10.77.{round}.{i}", uid: (ulong)(round * 1000 + i + 1), IPAddress.Parse(source));
            if (await AnsweredAsync(socket))
            {
                await socket.SendAsync(RawAkka.PartialFrame(Frame, missing: 1));
                held.Add(socket);
            }
            else
            {
                socket.Dispose();
                await Task.Delay(Eventually.Poll);
            }
        }
        return held;
    }

    // The server answers a handshake with its own; a refused connection is closed unanswered.
    private static async Task<bool> AnsweredAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30).Scaled());
        try
        {
            return await socket.ReceiveAsync(new byte[4096], SocketFlags.None, timeout.Token) > 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Connects from <paramref name="source"/>, starts a frame of the largest size, and says whether the server closed the
    /// connection (an end of stream, or a reset: it was closed with bytes unread) within a bound.</summary>
    private static async Task<bool> RefusedAsync(int port, string source = "127.0.0.1")
    {
        using var socket = await RawAkka.ConnectAsync(port, IPAddress.Parse(source));
        try
        {
            await socket.SendAsync(RawAkka.PartialFrame(Frame, missing: 1));
        }
        catch (SocketException)
        {
            return true; // reset while sending: closed by the server
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30).Scaled());
        try
        {
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0) { }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static long ResidentKb(ServerNode server) => File.ReadAllLines($"/proc/{server.Process.Pid}/status")
        .Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).Single();

    // Whatever the server sent (its heartbeats) read, the connection is not at its end.
    private static bool StillOpen(Socket socket)
    {
        var buffer = new byte[4096];
        while (socket.Available > 0) socket.Receive(buffer);
        return !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
    }
}
