using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// Two nodes of one segment reach each other over the client-facing port, where any peer writes any origin in its
/// handshake. A peer that writes another node's address must not be taken for that node: Akka would hand it the
/// association, and with it the DMs and broadcasts meant for that node's clients (a hostile tester's finding: it
/// received them, and the door's path with them). Real nodes, real clients, and a raw TCP peer speaking Akka's handshake.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeImpersonationSpecs
{
    [Fact]
    public async Task A_peer_claiming_another_nodes_address_is_refused_and_that_nodes_traffic_never_reaches_it()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment);
        await using var b = await ServerNode.StartAsync(segment);
        await using var victim = await b.ConnectAsync("victim");
        await using var sender = await a.ConnectAsync("sender");

        // Before node a has sent node b anything: the impostor says it is b, with an actor system uid of its own.
        using var impostor = await RawPeer.ClaimAsync(a.Port, "127.0.0.1", b.Port);
        await Eventually.HoldsAsync(() => a.Process.StdErr.Contains("refused the association") || impostor.Closed, TimeSpan.FromSeconds(20),
            () => "node a neither refused nor closed the impostor");

        var reply = await sender.SendAsync("tell victim TOPSECRET-1");
        Assert.Equal(200, reply.GetProperty("code").GetInt32());
        var message = await HistorySpecs.NextEventAsync(victim);
        Assert.Equal("TOPSECRET-1", message.GetProperty("text").GetString());
        Assert.DoesNotContain("TOPSECRET", impostor.Received);
        // The wait above may have ended on the closed socket, before the log line was out.
        await a.Process.WaitForStdErrAsync("refused the association", TimeSpan.FromSeconds(30));
    }

    /// <summary>A TCP peer that sends one Akka ASSOCIATE claiming an origin, then heartbeats, and keeps what it is sent.</summary>
    private sealed class RawPeer : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly StringBuilder _received = new();
        private readonly CancellationTokenSource _stop = new();
        private volatile bool _closed;

        private RawPeer(TcpClient tcp) => _tcp = tcp;

        public string Received
        {
            get { lock (_received) return _received.ToString(); }
        }

        public bool Closed => _closed;

        public static async Task<RawPeer> ClaimAsync(int port, string claimHost, int claimPort)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var peer = new RawPeer(tcp);
            var origin = Fields(w =>
            {
                w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteString("switchboard");
                w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteString(claimHost);
                w.WriteTag(3, WireFormat.WireType.Varint); w.WriteUInt32((uint)claimPort);
                w.WriteTag(4, WireFormat.WireType.LengthDelimited); w.WriteString("tcp");
            });
            var handshake = Fields(w =>
            {
                w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteBytes(ByteString.CopyFrom(origin));
                w.WriteTag(2, WireFormat.WireType.Fixed64); w.WriteFixed64((ulong)Random.Shared.NextInt64(1, long.MaxValue));
            });
            await peer.SendAsync(Control(1, handshake)); // ASSOCIATE
            _ = peer.ReadAsync();
            _ = peer.HeartbeatAsync();
            return peer;
        }

        private static byte[] Control(int command, byte[]? handshake = null) => Fields(w =>
        {
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(Fields(c =>
            {
                c.WriteTag(1, WireFormat.WireType.Varint); c.WriteInt32(command);
                if (handshake is null) return;
                c.WriteTag(2, WireFormat.WireType.LengthDelimited); c.WriteBytes(ByteString.CopyFrom(handshake));
            })));
        });

        private static byte[] Fields(Action<CodedOutputStream> write)
        {
            using var buffer = new MemoryStream();
            var w = new CodedOutputStream(buffer);
            write(w);
            w.Flush();
            return buffer.ToArray();
        }

        private async Task SendAsync(byte[] pdu)
        {
            var frame = new byte[4 + pdu.Length];
            BinaryPrimitives.WriteInt32LittleEndian(frame, pdu.Length);
            pdu.CopyTo(frame, 4);
            await _tcp.GetStream().WriteAsync(frame, _stop.Token);
        }

        // Heartbeats keep an accepted association open, as a real node's would.
        private async Task HeartbeatAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await SendAsync(Control(3));
                    await Task.Delay(500, _stop.Token);
                }
            }
            catch (Exception) { _closed = true; }
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[65536];
            try
            {
                int n;
                while ((n = await _tcp.GetStream().ReadAsync(buffer, _stop.Token)) > 0)
                    lock (_received) _received.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
            catch (Exception) { }
            _closed = true;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _tcp.Dispose();
        }
    }
}
