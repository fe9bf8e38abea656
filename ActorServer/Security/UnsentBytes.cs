using Akka.Remote.Transport;
using DotNetty.Transport.Channels;

namespace Switchboard.Server.Security;

/// <summary>
/// What one association has queued for its peer that the socket has not taken yet. Akka's DotNetty driver writes
/// every outbound message into the channel whatever the peer reads (<c>TcpAssociationHandle.Write</c> never refuses),
/// so a peer that stops reading while asking for answers (a history page of 64 KB per 50-byte request, from each of its
/// names) had the server queue 150 MB a second, until its connection was declared dead (hostile tester: 1.5 GB in 9 s).
/// Past <see cref="Limit"/> the association is closed: its peer is not reading. The queue is the driver's channel's
/// (<see cref="DriverChannel"/>; where it cannot be read, no limit, and <see cref="PeerAddressTransport"/> says so once).
/// </summary>
internal sealed class UnsentBytes(AssociationHandle driver, long limit)
{
    /// <summary>Whether this Akka's driver lets the queue be read (else no association is limited).</summary>
    public static bool Readable => DriverChannel.Readable;

    private readonly IChannel? _channel = DriverChannel.Of(driver);

    /// <summary>The bound: the clients' until the peer proves to be a node (<see cref="NodeQueues"/>).</summary>
    public long Limit
    {
        get => Volatile.Read(ref _limit);
        set => Volatile.Write(ref _limit, value);
    }

    private long _limit = limit;

    /// <summary>Bytes queued and not yet written to the socket (0 when unknown or closed).</summary>
    public long Queued => _channel?.Unsafe?.OutboundBuffer?.TotalPendingWriteBytes() ?? 0;

    /// <summary>True when the queue is past the limit (a limit of 0 or less is none).</summary>
    public bool Over => Limit > 0 && Queued > Limit;
}
