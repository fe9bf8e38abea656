using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport;
using Google.Protobuf;
using Switchboard.Server.Monitoring;

namespace Switchboard.Server.Security;

/// <summary>
/// Applied to the DotNetty transport by server.hocon (<c>akka.remote.adapters.peer-address</c>, and
/// <c>applied-adapters</c> of <c>dot-netty.tcp</c>). Akka names an inbound peer by the origin it writes in its
/// handshake (the Associate PDU) and resolves each message's sender from a path the peer writes too; only the driver's
/// handle knows the IP the socket saw. This adapter, between the driver and Akka's protocol layer, reads the handshake
/// of every inbound association and records origin and socket host in <see cref="PeerAddresses"/>, and drops a
/// selection of a client path (a Register for the gateway) whose sender is not at the peer's own origin: so the sender
/// of a Register names the association it came by, and through it the socket's host. It also caps the live inbound
/// connections per socket host and in all, at accept (<see cref="InboundConnections"/>).
/// <para>Unlike Akka's adapters (<see cref="AbstractTransportAdapter"/>) it adds nothing to the scheme: addresses stay
/// <c>akka.tcp://…</c> (or <c>akka.ssl.tcp://…</c> with TLS, which it sees decrypted) and clients apply nothing.</para>
/// </summary>
public sealed class PeerAddressTransportProvider : ITransportAdapterProvider
{
    public Akka.Remote.Transport.Transport Create(Akka.Remote.Transport.Transport wrappedTransport, ExtendedActorSystem system) =>
        new PeerAddressTransport(wrappedTransport, system);
}

/// <inheritdoc cref="PeerAddressTransportProvider"/>
public sealed class PeerAddressTransport : WrappingTransport
{
    private readonly PeerAddresses _peers;
    private readonly OriginLedger _origins;
    private readonly InboundRules _rules;
    private readonly ILoggingAdapter _log;
    private readonly long _maxUnsent;
    private readonly long _maxUnsentNode;
    // Null where nothing is capped: on a node port, with both caps off, or where the driver's channel cannot be read.
    private readonly InboundConnections? _connections;
    // A cluster's node port (NodeSideConfig sets it; no user's file can): only holders of the cluster secret complete its
    // TLS handshake, so every peer there is a node.
    private readonly bool _everyPeerIsANode;

    public PeerAddressTransport(Akka.Remote.Transport.Transport wrapped, ExtendedActorSystem system) : base(wrapped, system)
    {
        _peers = PeerAddresses.For(system);
        _peers.Activate();
        _origins = OriginLedger.For(system);
        _rules = InboundRules.Create(system.Settings.Config);
        _log = Akka.Event.Logging.GetLogger(system, typeof(PeerAddressTransport));
        var config = system.Settings.Config;
        _maxUnsent = config.GetByteSize("switchboard.max-unsent-bytes", 0) ?? 0;
        _maxUnsentNode = config.GetByteSize("switchboard.max-unsent-bytes-node", 0) ?? 0;
        _everyPeerIsANode = config.GetBoolean(NodePortKey, false);
        _peers.Queues.ChatLimit = UnsentBytes.Readable ? config.GetByteSize("switchboard.max-unsent-bytes-node-chat", 0) ?? 0 : 0;
        if ((_maxUnsent > 0 || _maxUnsentNode > 0) && !UnsentBytes.Readable)
            _log.Warning("switchboard.max-unsent-bytes is not enforced: this Akka's DotNetty driver does not show its queue");
        _connections = Connections(config);
        if (_connections is not null) _peers.Connections = _connections;
    }

    // Not on a node port: only holders of the cluster secret get past its TLS, which comes before the frame decoder, so a
    // stranger's bytes never reach the decoder there, and a cap would only let strangers' connections crowd out the nodes.
    private InboundConnections? Connections(Akka.Configuration.Config config)
    {
        var (perHost, total) = (config.GetInt(MaxPerHostKey, 0), config.GetInt(MaxKey, 0));
        if (_everyPeerIsANode || (perHost <= 0 && total <= 0)) return null;
        if (DriverChannel.Readable) return new InboundConnections(perHost, total, TimeProvider.System);
        // Without the channel its close cannot be seen, and a connection counted but never uncounted would lock hosts out.
        _log.Warning("{0} and {1} are not enforced: this Akka's DotNetty driver does not show its channel", MaxPerHostKey, MaxKey);
        return null;
    }

    private const string MaxPerHostKey = "switchboard.max-connections-per-host";
    private const string MaxKey = "switchboard.max-connections";

    // At accept, before the driver reads a byte of the connection (it reads once Akka's protocol layer, told of it here,
    // registers its reader): past a cap the connection is closed unread, and Akka never hears of it. An admitted one is
    // uncounted when its channel closes, whoever closes it and however (refused, failed handshake, dropped, shut down).
    private bool Admits(AssociationHandle driver)
    {
        if (_connections is null || DriverChannel.Of(driver) is not { } channel) return true;
        var host = _peers.HostKey(driver.RemoteAddress.Host ?? "");
        var verdict = _connections.TryOpen(host);
        if (verdict == InboundConnections.Verdict.Admitted)
        {
            // Runs at once if the channel closed meanwhile; a channel closes once.
            channel.CloseCompletion.ContinueWith(_ => _connections.Closed(host), TaskContinuationOptions.ExecuteSynchronously);
            return true;
        }
        if (_connections.Refused(out var refusals))
        {
            if (verdict == InboundConnections.Verdict.HostFull)
                _log.Warning("refusing connections from {0}: it has {1} open ({2} = {3}); {4} refused since the last such warning (at most one a minute)",
                    LogText.Clean(host), _connections.OpenFrom(host), MaxPerHostKey, _connections.PerHost, refusals);
            else
                _log.Warning("refusing connections from {0} and every other host: {1} open in all ({2} = {3}); {4} refused since the last such warning (at most one a minute)",
                    LogText.Clean(host), _connections.Open, MaxKey, _connections.Total, refusals);
        }
        // Closed outright: the driver's own Disassociate closes gracefully, turning reads on to drain what the peer sent,
        // and its decoder took in each refused connection's partial frame before the close (2,000 refused: ~1 GB again).
        channel.CloseAsync();
        return false;
    }

    /// <summary>Set (to on) for a cluster's node port only, by the code that configures it: every peer there is a node.
    /// Not a setting a user's file may carry (it is in no shipped hocon).</summary>
    public const string NodePortKey = "switchboard.node-port";

    // What this node dials (a client's address after its connection dropped, to probe it) is limited the same way.
    public override async Task<AssociationHandle> Associate(Address remoteAddress) =>
        new OutboundHandle(this, await Wrapped.Associate(remoteAddress).ConfigureAwait(false));

    // A peer that does not read what it is sent loses its association (UnsentBytes): once, with one warning. A node's
    // bound is its own (max-unsent-bytes-node), far above what clients may put on its link (NodeQueues).
    // Called on every write: the peer's name (a string built for the warning) only when it is refused.
    private bool Refuses(LimitedHandle handle, UnsentBytes unsent, ref int stalled, bool node)
    {
        if (!unsent.Over) return false;
        if (Interlocked.Exchange(ref stalled, 1) == 0)
        {
            _log.Warning("closed the association with {0}: it has not taken in {1} bytes sent to it ({2} = {3})",
                handle.Peer, unsent.Queued, node ? "switchboard.max-unsent-bytes-node" : "switchboard.max-unsent-bytes", unsent.Limit);
            handle.Driver.Disassociate("the peer is not reading", _log);
        }
        return true;
    }

    /// <summary>An association between the driver and Akka's protocol layer: what it writes is limited
    /// (<see cref="Refuses"/>), what it reads goes up unchanged unless a subclass says otherwise.</summary>
    private abstract class LimitedHandle : AssociationHandle, IHandleEventListener
    {
        private readonly UnsentBytes _unsent;
        private int _stalled;
        // The peer's address and uid once its handshake is read, and the view of the nodes it was admitted under.
        private Address? _identity;
        private ulong _identityUid;
        private int _nodesSeen;
        // Whether the peer proved to be a node (its queue counted in NodeQueues, bounded by max-unsent-bytes-node).
        private volatile bool _node;
        private int _gone;

        protected LimitedHandle(PeerAddressTransport transport, AssociationHandle driver) : base(driver.LocalAddress, driver.RemoteAddress)
        {
            Transport = transport;
            Driver = driver;
            _unsent = new UnsentBytes(driver, transport._maxUnsent);
            ReadHandlerSource.Task.ContinueWith(t =>
            {
                Upstream = t.Result;
                Driver.ReadHandlerSource.TrySetResult(this);
            }, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion);
        }

        protected PeerAddressTransport Transport { get; }
        internal AssociationHandle Driver { get; }
        protected IHandleEventListener? Upstream { get; private set; }

        /// <summary>The peer as the warning names it.</summary>
        internal abstract string Peer { get; }

        /// <summary>Refused: nothing more goes up or out.</summary>
        protected bool Refused { get; private set; }

        public override bool Write(ByteString payload) =>
            !Refused && StillAllowed() && !Transport.Refuses(this, _unsent, ref _stalled, _node) && Driver.Write(payload);

        /// <summary>At the peer's handshake: a peer at another node's address (<paramref name="address"/>: claimed inbound,
        /// dialled outbound) must be that node (<see cref="NodeIdentities"/>); false, and the association closed, if not.</summary>
        protected bool Admit(Address address, ulong uid)
        {
            var nodes = Transport._peers.Nodes;
            if (!nodes.Allows(address, uid, fresh: true))
            {
                Refuse(address);
                return false;
            }
            _nodesSeen = nodes.Version;
            (_identity, _identityUid) = (address, uid);
            if (Transport._everyPeerIsANode || nodes.IsNode(address, uid)) BecomeNode(address);
            return true;
        }

        // A node's association (what no client can forge: the segment's published uid at that node's address, or the
        // cluster's node port): bounded as a node link, its queue counted for the clients' share (NodeQueues).
        private void BecomeNode(Address address)
        {
            if (_node || Volatile.Read(ref _gone) != 0) return;
            _node = true;
            _unsent.Limit = Transport._maxUnsentNode;
            Transport._peers.Queues.Open(_unsent, address);
            if (Volatile.Read(ref _gone) != 0) Transport._peers.Queues.Close(_unsent); // closed meanwhile
        }

        /// <summary>The association is gone: no longer counted as a node's queue.</summary>
        protected void Closed()
        {
            if (Interlocked.Exchange(ref _gone, 1) == 0) Transport._peers.Queues.Close(_unsent);
        }

        // Admitted under an older view of the nodes (a node that registered since, at an address a peer had claimed before
        // it): checked again before this association carries anything more.
        private bool StillAllowed()
        {
            var nodes = Transport._peers.Nodes;
            if (_identity is null || nodes.Version == _nodesSeen) return true;
            _nodesSeen = nodes.Version;
            if (nodes.Allows(_identity, _identityUid, fresh: false))
            {
                // A node that registered after this association opened, at the address and with the uid it had.
                if (nodes.IsNode(_identity, _identityUid)) BecomeNode(_identity);
                return true;
            }
            Refuse(_identity);
            return false;
        }

        // Nothing more goes up or out; the warning says why (`why` is what the driver is told).
        protected void Refuse(string why, string warning, params object?[] args)
        {
            Refused = true;
            Transport._log.Warning(warning, args);
            Driver.Disassociate(why, Transport._log);
        }

        private void Refuse(Address address) =>
            Refuse("not the node whose address it has",
                "refused the association with {0} at {1}: that is the address of another node of this segment, and the peer is not that node", Peer, address);

#pragma warning disable CS0672, CS0618 // Akka's handle API: the reasoned overload calls this one
        public override void Disassociate()
        {
            Closed();
            Driver.Disassociate();
        }
#pragma warning restore CS0672, CS0618

        public virtual void Notify(IHandleEvent ev)
        {
            if (ev is Disassociated) Closed();
            Upstream?.Notify(ev);
        }
    }

    /// <summary>An outbound association, limited like an inbound one.</summary>
    private sealed class OutboundHandle(PeerAddressTransport transport, AssociationHandle driver) : LimitedHandle(transport, driver)
    {
        private bool _answered;

        internal override string Peer => Driver.RemoteAddress.ToString();

        // The first PDU back is the peer's handshake: at another node's address (one it dialled), only that node.
        public override void Notify(IHandleEvent ev)
        {
            if (Refused && ev is InboundPayload) return;
            if (!_answered && ev is InboundPayload p)
            {
                _answered = true;
                var origin = AkkaPdu.AssociateOrigin(p.Payload.Span, out var uid, out var unreadable);
                if (unreadable)
                {
                    // Not read here as Akka reads it (SmuggledPduSpecs): the uid checked would not be the one Akka takes.
                    Refuse("its handshake is not written as Akka writes one",
                        "refused the association with {0}: its handshake is not written as Akka writes one", Peer);
                    return;
                }
                if (origin is not null && !Admit(Driver.RemoteAddress, uid)) return;
            }
            base.Notify(ev);
        }
    }

    public override async Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        var (address, driverListener) = await Wrapped.Listen().ConfigureAwait(false);
        var upstream = new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = upstream.Task.ContinueWith(t => driverListener.TrySetResult(new Inbound(this, t.Result)),
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion);
        return (address, upstream);
    }

    private sealed class Inbound(PeerAddressTransport transport, IAssociationEventListener upstream) : IAssociationEventListener
    {
        public void Notify(IAssociationEvent ev)
        {
            if (ev is not InboundAssociation a) upstream.Notify(ev);
            else if (transport.Admits(a.Association)) upstream.Notify(new InboundAssociation(new CheckedHandle(transport, a.Association)));
        }
    }

    /// <summary>One inbound association: the driver's handle, whose remote address is the socket's.</summary>
    private sealed class CheckedHandle : LimitedHandle
    {
        private readonly string _socketHost;
        // Set by the handshake and read by the driver's event loop only (one channel's reads come in order).
        private Address? _origin;
        // The origin's address and a '/', as a sender's path at it starts (UTF-8): read against every message's sender.
        private byte[] _home = [];
        private bool _refused;
        private bool _counted;
        private int _closed;

        public CheckedHandle(PeerAddressTransport transport, AssociationHandle driver) : base(transport, driver) =>
            _socketHost = transport._peers.HostKey(driver.RemoteAddress.Host ?? "");

        internal override string Peer => $"{_origin} (socket host {_socketHost})";

        public override void Notify(IHandleEvent ev)
        {
            switch (ev)
            {
                case InboundPayload when _refused || Refused:
                    return;
                case InboundPayload p when _origin is null:
                    // The first PDU of an association is its handshake (Akka refuses anything else first).
                    // Written at the driver's level ("tcp"); Akka's protocol layer adds its "akka." (SchemeAugmenter),
                    // and that is how the origin appears in actor paths.
                    var origin = AkkaPdu.AssociateOrigin(p.Payload.Span, out var uid, out _) is { } o ? o.WithProtocol("akka." + o.Protocol) : null;
                    // The first PDU must be the handshake (Akka drops the association otherwise), read here as Akka reads it:
                    // one it reads and this node does not (an origin written twice, protobuf merging the two) would leave the
                    // association unchecked, its origin, claims and senders alike (SmuggledPduSpecs).
                    if (origin is null)
                    {
                        RefuseInbound("no readable handshake", "refused the association from {0}: its first message is no handshake this node reads as Akka does", _socketHost);
                        return;
                    }
                    // An origin no actor system can have (a 400 KB host, a terminal's escapes): refused before Akka, this
                    // node's ledgers or a log line keep it.
                    if (PeerStrings.OriginError(origin.System, origin.Host ?? "", origin.Protocol) is { } bad)
                    {
                        RefuseInbound("its origin is no address", "refused the association from {0}: its handshake's origin is no address: {1}", _socketHost, bad);
                        return;
                    }
                    if (!Admit(origin, uid)) return;
                    if (!Transport._peers.TryOpen(origin, _socketHost, uid))
                    {
                        // Another actor system holds this address over a live association: this one is not it.
                        RefuseInbound("another actor system holds this origin",
                            "refused an association from {0} claiming {1}: a live association of another actor system holds that address", _socketHost, origin);
                        return;
                    }
                    _origin = origin;
                    _home = Encoding.UTF8.GetBytes(origin + "/");
                    if (!CountOrigin(origin)) return;
                    break;
                case InboundPayload p when Forged(p.Payload.Span, out var clientPath, out var sender, out var unreadable):
                    if (unreadable)
                        Transport._log.Warning("dropped a message from {0} (socket host {1}) not written as Akka writes one (a field written twice, or bytes that do not parse)",
                            _origin, _socketHost);
                    else if (clientPath)
                        Transport._log.Warning("dropped a selection of a client path from {0} (socket host {1}) naming sender {2}",
                            _origin, _socketHost, Quoted(sender));
                    else
                        Transport._log.Warning("dropped a message from {0} (socket host {1}) naming sender {2}, at another address",
                            _origin, _socketHost, Quoted(sender));
                    return;
                case Disassociated:
                    Close();
                    break;
            }
            Upstream?.Notify(ev);
        }

        // Any message with a sender at another address than the peer's own: a client path selected (a Register for the
        // gateway: someone else's name as its sender would have the gateway charge that one's host), anything for the root
        // guardian (every selection, an Identify of the root), and a message to any other actor a peer may address (the
        // remote watcher, a session): every actor answers an Identify to its sender (the remote watcher a heartbeat too), and
        // the node dialled any host and port a peer named (a hostile tester's finding, first for the root, then for the
        // remote watcher: RootSenderSpecs). A peer's own messages always carry its own address; one read of the envelope,
        // on every message, the sender's path decoded only when it does not start with that address.
        private bool Forged(ReadOnlySpan<byte> pdu, out bool clientPath, out string? sender, out bool unreadable)
        {
            var kind = AkkaPdu.Addressing(pdu, out sender, out var names, _home);
            unreadable = (kind & AkkaPdu.Kind.Unreadable) != 0;
            clientPath = false;
            if (unreadable) return true;
            clientPath = (kind & AkkaPdu.Kind.Selection) != 0 && names is not null && Transport._rules.IsAllowedSelection(names);
            // On the node port every peer is a member (it holds the cluster secret), and the cluster's own tools pass
            // messages on with their first sender: a shard region forwards to the home it knows, which may be a third
            // node's (NodePortForwardSpecs: dropped there, a member's markread was 503 for minutes after two restarts).
            var checkedKinds = Transport._everyPeerIsANode ? AkkaPdu.Kind.ToRoot : AkkaPdu.Kind.ToRoot | AkkaPdu.Kind.Elsewhere;
            if (!clientPath && (kind & checkedKinds) == 0) return false;
            return sender is not null && (!ActorPath.TryParseAddress(sender, out var address) || !address.Equals(_origin));
        }

        // At the handshake: what it reads goes no further; the warning says why (`why` is what the driver is told).
        private void RefuseInbound(string why, string warning, params object?[] args)
        {
            Transport._log.Warning(warning, args);
            _refused = true;
            Driver.Disassociate(why, Transport._log);
        }

        private static string? Quoted(string? path) => PeerStrings.IsPath(path) ? path : $"(a path of {path!.Length} characters)";

        // One more origin from this socket host, within OriginLedger's cap; past it the association is refused.
        private bool CountOrigin(Address origin)
        {
            if (Transport._origins.TryOpen(origin, _socketHost, out var first)) return _counted = true;
            if (first)
                Transport._log.Warning("refusing associations from {0} claiming further origins: it has claimed {1} within switchboard.origins.window",
                    _socketHost, Transport._origins.OriginsOf(_socketHost));
            _refused = true;
            Driver.Disassociate("too many origins from this host", Transport._log);
            return false;
        }

        private void Close()
        {
            Closed();
            if (Interlocked.Exchange(ref _closed, 1) != 0 || _origin is null) return;
            Transport._peers.Closed(_origin, _socketHost);
            if (_counted) Transport._origins.Closed(_origin);
        }
    }
}
