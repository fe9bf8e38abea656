using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary>Slowloris against <c>--monitor</c>: many peers that open a connection, send part of a request header and
/// hold it. <c>/healthz</c> must keep answering a fresh connection while they do (the bound is 1 s; the spec
/// allows 5 s per probe so a loaded box does not fail it).</summary>
// A hundred slow sockets held open: a flood of the machine.
[Collection(MachineCollection.Name)]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class SlowPeerSpecs
{
    const int Attackers = 100;
    static readonly TimeSpan Probe = TimeSpan.FromSeconds(5);
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Healthz_answers_while_a_hundred_slow_peers_hold_connections_open()
    {
        var port = FreePorts.Next();
        await using var server = await ServerNode.StartAsync(null, 0, "--monitor", $"127.0.0.1:{port}");
        await using var flood = new SlowLoris(port, Attackers);
        await flood.WaitUntilAllHeldAsync(Patience);

        for (var i = 0; i < 5; i++)
        {
            // A new connection per probe: a kept-alive one would prove nothing about admission.
            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var bounded = new CancellationTokenSource(Probe.Scaled());
            using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
            request.Headers.ConnectionClose = true;
            using var answer = await http.SendAsync(request, bounded.Token);
            Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"probe {i}: {answer.StatusCode}");
        }
        Assert.False(server.Process.HasExited);
    }


    /// <summary>Slow readers (the hostile tester's slowread4.py): 64 connections, 16 from each of four loopback
    /// addresses, pipeline <c>GET /metrics</c> and read nothing, so every answer's write waits and every slot is busy for
    /// good. Every slot busy refused each newcomer: 47 of 48 <c>/healthz</c> probes refused over 150 s. Probes from a
    /// fifth address and from one of the four must all be answered. The addresses play five hosts (every loopback
    /// address is one by default, and its own 16 slots could not hold all 64).</summary>
    [Fact]
    public async Task Healthz_answers_while_slow_readers_hold_every_connection_with_an_unread_answer()
    {
        var port = FreePorts.Next();
        var config = Path.Combine(Directory.CreateTempSubdirectory("sb-slowread-").FullName, "hosts.hocon");
        await File.WriteAllTextAsync(config, Switchboard.Tests.Server.Security.HostilePeer.LoopbackHostsApart + "\n");
        await using var server = await ServerNode.StartAsync(null, 0, "--monitor", $"127.0.0.1:{port}", "--config", config);
        await using var readers = new SlowReaders(port, MonitorEndpoint.MaxConnections, hosts: 4);
        await readers.WaitUntilAllStalledAsync(Patience);

        foreach (var from in new[] { "127.0.0.5", "127.0.0.1" })
            for (var i = 0; i < 5; i++)
            {
                using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, ConnectCallback = (c, ct) => ConnectFrom(from, c, ct) })
                    { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                using var bounded = new CancellationTokenSource(Probe.Scaled());
                using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
                request.Headers.ConnectionClose = true;
                using var answer = await http.SendAsync(request, bounded.Token);
                Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"probe {i} from {from}: {answer.StatusCode}");
            }
        Assert.False(server.Process.HasExited);
    }

    static async ValueTask<Stream> ConnectFrom(string source, SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Each reader connects from its loopback address with a small receive buffer, sends pipelined requests
    /// whenever its socket takes them and reads nothing; it is stalled once answers fill its receive buffer (the
    /// server's writes wait from then on). Dropped, it reconnects.</summary>
    sealed class SlowReaders : IAsyncDisposable
    {
        static readonly byte[] Requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 20)));
        readonly CancellationTokenSource _stop = new();
        readonly Task[] _readers;
        readonly bool[] _stalled;

        public SlowReaders(int port, int count, int hosts)
        {
            _stalled = new bool[count];
            _readers = Enumerable.Range(0, count).Select(i => Task.Run(() => Reader(port, $"127.0.0.{i % hosts + 1}", i))).ToArray();
        }

        int Stalled => _stalled.Count(s => s);

        public async Task WaitUntilAllStalledAsync(TimeSpan patience) =>
            await Eventually.HoldsAsync(() => Stalled == _readers.Length, patience, () => $"only {Stalled} of {_readers.Length} readers stalled");

        async Task Reader(int port, string source, int index)
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
                    socket.Blocking = false;
                    while (!_stop.IsCancellationRequested)
                    {
                        socket.Send(Requests, 0, Requests.Length, SocketFlags.None, out var error);
                        if (error is not (SocketError.Success or SocketError.WouldBlock)) break;
                        if (socket.Available >= 1024) Volatile.Write(ref _stalled[index], true);
                        // Closed by the server: a peek reads its end of stream (nothing is ever consumed).
                        if (socket.Poll(0, SelectMode.SelectRead) && socket.Receive(new byte[1], 0, 1, SocketFlags.Peek, out _) == 0) break;
                        await Task.Delay(100, _stop.Token);
                    }
                }
                catch (Exception ex) when (ex is SocketException or IOException) { }
                catch (OperationCanceledException) { return; }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_readers);
            _stop.Dispose();
        }
    }

    /// <summary>Each slot connects, sends a request line and one header (never the blank line that ends them) and
    /// waits; when the server drops it, it reconnects after a short pause, as slowloris does.</summary>
    sealed class SlowLoris : IAsyncDisposable
    {
        static readonly byte[] Partial = Encoding.ASCII.GetBytes("GET /status HTTP/1.1\r\nHost: x\r\n");
        readonly CancellationTokenSource _stop = new();
        readonly Task[] _slots;
        int _held;

        public SlowLoris(int port, int count) => _slots = Enumerable.Range(0, count).Select(_ => Task.Run(() => Slot(port))).ToArray();

        public async Task WaitUntilAllHeldAsync(TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience.Scaled();
            while (Volatile.Read(ref _held) < _slots.Length)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {_held} of {_slots.Length} slow connections opened");
                await Task.Delay(50);
            }
        }

        async Task Slot(int port)
        {
            var first = true;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
                    var stream = tcp.GetStream();
                    await stream.WriteAsync(Partial, _stop.Token);
                    if (first) Interlocked.Increment(ref _held);
                    first = false;
                    while (await stream.ReadAsync(new byte[256], _stop.Token) > 0) { } // until the server drops us
                }
                catch (Exception ex) when (ex is SocketException or IOException) { }
                catch (OperationCanceledException) { return; }
                try { await Task.Delay(1000, _stop.Token); } // slowloris reopens dropped sockets in rounds
                catch (OperationCanceledException) { return; }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_slots);
            _stop.Dispose();
        }
    }
}
