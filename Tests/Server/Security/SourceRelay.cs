using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// A loopback TCP relay whose onward connections leave from a chosen source IP: how a peer on "another host"
/// (127.0.0.2) reaches a server on one machine. Akka's DotNetty client never binds its outgoing socket, so without
/// this every local peer connects from 127.0.0.1, whatever host it listens on or claims.
/// </summary>
public sealed class SourceRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly IPAddress _source;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];

    public SourceRelay(IPAddress source, IPEndPoint target)
    {
        _source = source;
        _target = target;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>While set, nothing more of what the server sends is read (the server's writes back up, as to a peer
    /// that stopped reading); what the peer sends still goes through.</summary>
    public volatile bool Stalled;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_sockets) _sockets.AddRange([inbound, outbound]);
            outbound.Bind(new IPEndPoint(_source, 0));
            await outbound.ConnectAsync(_target, _stop.Token);
            _ = PumpAsync(inbound, outbound, stallable: false);
            _ = PumpAsync(outbound, inbound, stallable: true);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool stallable)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                while (stallable && Stalled) await Task.Delay(50, _stop.Token);
                var n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0) break;
                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
            foreach (var s in _sockets) s.Dispose();
    }
}

/// <summary>
/// A test peer's transport adapter: every outbound association is dialled through the relay named by
/// <c>switchboard-test.egress-relay-port</c> (on 127.0.0.1), while Akka above it still believes it dialled the address
/// it asked for. Inbound associations are untouched.
/// </summary>
public sealed class RelayedEgressProvider : ITransportAdapterProvider
{
    public Akka.Remote.Transport.Transport Create(Akka.Remote.Transport.Transport wrappedTransport, ExtendedActorSystem system) =>
        new RelayedEgress(wrappedTransport, system.Settings.Config.GetInt("switchboard-test.egress-relay-port"));

    private sealed class RelayedEgress(Akka.Remote.Transport.Transport wrapped, int relayPort) : DialingAdapter(wrapped)
    {
        // The relay's handle under the name of the address asked for.
        public override async Task<AssociationHandle> Associate(Address remoteAddress) =>
            new WrappedHandle(await Wrapped.Associate(new Address(remoteAddress.Protocol, remoteAddress.System, "127.0.0.1", relayPort)), remoteAddress);
    }
}
