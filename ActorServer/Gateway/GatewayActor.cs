using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Gateway;

/// <summary>
/// The seed's "connect channel": validates a name, has the registry claim it atomically (in the segment,
/// for every node sharing it), then creates the client's session and hands its ref back. It never blocks:
/// the claim is a Tell and the answer comes back as a message. Without the registry no client can be
/// served, so losing it stops the node (cleanly, through CoordinatedShutdown: summary printed, segment left).
/// <para>A session's actor name is a capability (128 random bits): only its client learns it, in
/// <see cref="Registered"/>, and peers can name the gateway's children only exactly. The gateway itself is
/// reachable by peers only with a <see cref="Register"/> selection; <see cref="RegistrationGate"/> bounds what one
/// peer may take.</para>
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly SessionServices _services;
    private readonly string _node;
    private readonly string? _doorName;
    private readonly bool _remoteClientsOnly;
    private readonly RegistrationGate _gate;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LocalSessions _sessions;
    // This node's sessions: whose name each holds, for which client, and the answer that client was given.
    private readonly Dictionary<IActorRef, Holder> _byRef = new();
    private IActorRef _door = ActorRefs.Nobody;
    // Registrations waiting while a local session holding their name checks its client (at most one per name).
    private readonly Dictionary<string, IActorRef> _waiting = new(StringComparer.Ordinal);
    // Registrations from their claim to their answer: a client that sends its Register again meanwhile (a retry) is
    // answered once, by the first; at most one per admitted registration, removed with its answer. Each with the name
    // its session will have (minted before the claim: a cluster's claim carries its key) and the key of the session
    // it presented as its previous one.
    private readonly Dictionary<(string Name, IActorRef Client), InFlight> _inFlight = [];
    private readonly SwitchboardMetrics? _metrics;
    private readonly PeerAddresses _peers = PeerAddresses.For(Context.System);
    // A client given a session keeps its remoting endpoint (OriginLedger forgets only strangers').
    private readonly OriginLedger _origins = OriginLedger.For(Context.System);
    // Accounts (single-host mode with a data store; null otherwise): a claimed name is kept only once its password,
    // if it is reserved, checked out. What the check needs waits here between the Register and the claim.
    private readonly IActorRef? _accounts;
    private readonly Dictionary<(string Name, IActorRef Client), (string? Password, string Host)> _credentials = [];
    // Names claimed here whose password is being checked, and the registrations of others that came meanwhile: they wait
    // for the check (a wrong guess gives the name back) instead of hearing 409 "taken" from a name nobody is logged in as.
    private readonly LoginQueues _checking = new();

    public GatewayActor(SessionServices services, GatewaySettings settings)
    {
        _services = services;
        _sessions = services.Local;
        _metrics = services.Metrics;
        _registry = services.Registry;
        _node = settings.Node;
        _doorName = settings.DoorName;
        _remoteClientsOnly = settings.Registration.RemoteClientsOnly;
        _gate = new RegistrationGate(settings.Registration, settings.Token, services.Clock);
        _accounts = services.Accounts;

        Receive<Register>(OnRegister);
        Receive<NameClaimed>(OnClaimed);
        Receive<ClaimVerified>(OnVerified);
        Receive<ClaimDenied>(OnClaimDenied);
        Receive<NameRefused>(OnRefused);
        Receive<ClientVerified>(m =>
        {
            if (_waiting.Remove(m.Name, out var client)) Refuse(m.Name, client, Codes.NameTaken, RegistryText.Taken(m.Name));
        });
        Receive<Deliver>(_ => FromNodes(), m => _sessions.Deliver(m, Self));
        // From this node's UnfinishedHoldsActor (no peer can send the type: it has no serializer).
        Receive<HeldWhileOnline>(_ => Sender.Path.Address.HasLocalScope, m =>
        {
            if (_sessions.TryGet(m.Name, out var session)) session.Tell(m);
        });
        Receive<Fanout>(_ => FromNodes(), OnFanout);
        Receive<PresenceChanged>(m =>
        {
            if (m.Joined.Count + m.Left.Count == 0) return;
            foreach (var (_, s) in _sessions.All) s.Tell(m);
        });
        // A name reserved here, through a node sharing the data directory, or (ReservationHeard) by a cluster node.
        Receive<Accounts.ReservationChanged>(m => EndLookAlikes(m.Name));
        Receive<Accounts.ReservationHeard>(m => EndLookAlikes(m.Name));
        Receive<Terminated>(t => t.ActorRef.Equals(_registry), _ => OnRegistryLost());
        Receive<Terminated>(t =>
        {
            if (!_byRef.Remove(t.ActorRef, out var who)) return;
            _gate.Left(who.Client.Path.Address.ToString());
            if (_sessions.Remove(who.Name, t.ActorRef)) _accounts?.Tell(new ForgetAccount(who.Name));
            // Its client was gone after all: the waiting registration claims the name now.
            if (_waiting.Remove(who.Name, out var waiting)) _registry.Tell(ClaimOf(who.Name, waiting));
        });
        ReceiveAny(m => _log.Debug("gateway ignored {0}", m.GetType().Name));
    }

    public static Props Props(SessionServices services, GatewaySettings settings) =>
        Akka.Actor.Props.Create(() => new GatewayActor(services, settings));

    protected override void PreStart()
    {
        Context.Watch(_registry);
        if (_services.History is { } history)
        {
            // In cluster mode the accounts run on the node side's system, and tell it there.
            var stream = history.Reservations ?? Context.System.EventStream;
            stream.Subscribe(Self, typeof(Accounts.ReservationChanged));
            stream.Subscribe(Self, typeof(Accounts.ReservationHeard));
        }
        if (_doorName is not null) _door = Context.ActorOf(NodeDoorActor.Props(Self, _services.Rooms, _registry), _doorName);
        _log.Info("gateway up");
    }

    // A registration is refused a look-alike of a reserved name, but one online before the reservation was written (or
    // while it was being hashed) would go on talking as the owner would appear to: its session ends, and its client's
    // next registration is refused (403). Reservations are rare (a password hash each, bounded per host): one pass.
    private void EndLookAlikes(string name)
    {
        if (_services.History?.Reserved.IsReserved(name) != true) return;
        foreach (var (held, session) in _sessions.All)
            if (!string.Equals(held, name, StringComparison.Ordinal) && string.Equals(held, name, StringComparison.OrdinalIgnoreCase))
                session.Tell(new LookAlikeReserved(name));
    }

    // Node traffic comes through this node's door (from the other nodes) or from this node's registry: no peer
    // reaches the gateway with it, and a sender path a peer writes cannot name a local actor.
    private bool FromNodes()
    {
        if (Sender.Equals(_door) || Sender.Equals(_registry)) return true;
        _log.Warning("refused node traffic from {0}", Sender.Path);
        return false;
    }

    // Another system's stream does not learn of this actor's end by itself.
    protected override void PostStop() => _services.History?.Reservations?.Unsubscribe(Self);

    // A session that throws is stopped (its PostStop frees the name); the gateway and the others go on.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    private void OnRegister(Register m)
    {
        var address = Sender.Path.Address;
        // Nobody to answer or to watch; or a local actor, which a peer can only have written as the sender.
        if (Sender.IsNobody() || Sender.Equals(Context.System.DeadLetters) || (_remoteClientsOnly && !address.HasGlobalScope))
        {
            _log.Warning("refused a registration without a remote sender ({0})", Sender.Path);
            return;
        }
        var error = Limits.NameError(m.Name) ?? (m.Password is null ? null : Limits.PasswordError(m.Password));
        // A retry of a registration not answered yet (claiming, checking a password, or waiting for an old session's
        // client): answered once, when that one is; a second claim would find the name taken by its own new session.
        if (error is null && _inFlight.ContainsKey((m.Name, Sender)))
        {
            _log.Debug("'{0}' is registering already; its retry is answered with it", m.Name);
            return;
        }
        // The very client a live session of this name serves, registering again (it took the session for lost, say a
        // check that timed out on a loaded server, or its retry crossed the answer): it is given that session again,
        // which goes on where it was. A 409 here would never end: the session's probe reaches this same client, which
        // answers it. Known by the sender's ref: the transport holds its address to the origin the association claimed
        // in its handshake (a claim, not the socket's address), and its actor name and uid are the client's secrets; the
        // answer goes to that address. Nothing in the message counts. It takes nothing new, so no gate.
        if (error is null && HolderFor(m.Name, Sender) is { } held)
        {
            _log.Info("'{0}' registered again by the client its session serves; answered with that session", m.Name);
            Sender.Tell(held.Answer);
            return;
        }
        _log.Info("connect from {0} as '{1}'", address, error is null ? m.Name : "(invalid name)");
        if (error is not null)
        {
            _log.Info("registration refused: {0}", error);
            _metrics?.Refused(Codes.Invalid);
            Sender.Tell(new Rejected(Codes.Invalid, error));
            return;
        }
        if (_gate.Check(address.ToString(), SocketHost(address), m.Token) is { } refusal)
        {
            _log.Info("registration of '{0}' refused: {1} {2}", m.Name, refusal.Code, refusal.Error);
            _metrics?.Refused(refusal.Code);
            Sender.Tell(new Rejected(refusal.Code, refusal.Error));
            return;
        }
        if (m.Password is not null && _accounts is null)
        {
            Refuse(m.Name, Sender, Codes.NotSupported, AccountDesk.NoAccounts + ": register without a password", admitted: false);
            return;
        }
        _gate.Admitted(address.ToString(), SocketHost(address)); // counted from the claim on, so a burst cannot overshoot the bound
        // The capability a reconnect presents is only digested here, never kept or logged; one of another shape is none.
        var session = Capability.NewName(SessionPrefix);
        _inFlight[(m.Name, Sender)] = new InFlight(session, ClaimKey.Of(session),
            Capability.IsName(m.Previous, SessionPrefix) ? ClaimKey.Of(m.Previous!) : null);
        if (_accounts is not null) _credentials[(m.Name, Sender)] = (m.Password, SocketHost(address));
        _registry.Tell(ClaimOf(m.Name, Sender));
    }

    private const string SessionPrefix = "s-";

    private ClaimName ClaimOf(string name, IActorRef client) =>
        _inFlight.TryGetValue((name, client), out var f) ? new ClaimName(name, client, f.Key, f.Presented) : new ClaimName(name, client);

    private Holder? HolderFor(string name, IActorRef client) =>
        _sessions.TryGet(name, out var session) && _byRef.TryGetValue(session, out var holder) && holder.Client.Equals(client) ? holder : null;

    // The host a wrong token is charged to: the one the server's socket saw for the association the Register came by
    // (its sender is that association's origin: PeerAddressTransport drops any other), never the host a peer wrote.
    // An association gone before its Register is read leaves no host to go by: all such share one key, one host for
    // the penalties, so going away buys no fresh host. Without the transport (an in-process spec's system, or a
    // config that drops the adapter) the claim is all there is.
    private string SocketHost(Address address)
    {
        var host = _peers.HostOf(address);
        if (host == PeerAddresses.UnverifiedHost)
            _log.Info("no live association claims {0}; its registration is charged to the shared unverified host", address);
        return host;
    }

    // A broadcast: every local session but the sender's own gets it (room messages go to the rooms actor).
    private void OnFanout(Fanout m)
    {
        if (m.Room is not null) return;
        var handed = new Handed(m);
        foreach (var (name, session) in _sessions.All)
            if (name != m.From) session.Forward(handed);
    }

    private void OnRefused(NameRefused m)
    {
        foreach (var waiting in _checking.Refused(m.Name, m.Client)) Refuse(m.Name, waiting, m.Code, m.Error);
        // Taken by a session of this node: maybe this very client's old one, whose connection dropped. Its session
        // probes its client (bounded by the probe timeout) before the newcomer hears 409.
        if (m.Code == Codes.NameTaken && _sessions.TryGet(m.Name, out var holder) && _waiting.TryAdd(m.Name, m.Client))
        {
            _log.Debug("'{0}' is held by a session of this node; checking its client before answering", m.Name);
            holder.Tell(VerifyClient.Instance);
            return;
        }
        if (m.Code == Codes.NameTaken && _checking.Wait(m.Name, m.Client))
        {
            _log.Debug("'{0}' is being logged into here; this registration waits for that password check", m.Name);
            return;
        }
        Refuse(m.Name, m.Client, m.Code, m.Error);
    }

    private void Refuse(string name, IActorRef client, int code, string error, bool admitted = true)
    {
        _log.Info("registration of '{0}' refused: {1} {2}", name, code, error);
        _metrics?.Refused(code);
        _credentials.Remove((name, client));
        _inFlight.Remove((name, client));
        if (admitted) _gate.Left(client.Path.Address.ToString());
        client.Tell(new Rejected(code, error));
    }

    // The name is held in the registry now (so the account has one writer, this node): a reserved one is kept only
    // with its password. Without accounts the session starts at once.
    private void OnClaimed(NameClaimed m)
    {
        if (_accounts is null)
        {
            StartSession(m);
            return;
        }
        var (password, host) = _credentials.Remove((m.Name, m.Client), out var c) ? c : (null, m.Client.Path.Address.Host ?? "");
        _checking.Checking(m.Name);
        _accounts.Tell(new VerifyClaim(m, password, host));
    }

    private void OnVerified(ClaimVerified m)
    {
        StartSession(m.Claim);
        foreach (var client in _checking.Done(m.Claim.Name))
            Refuse(m.Claim.Name, client, Codes.NameTaken, RegistryText.Taken(m.Claim.Name));
    }

    private void OnClaimDenied(ClaimDenied m)
    {
        _registry.Tell(new ReleaseName(m.Claim.Claim, m.Claim.Name, "its password was missing or wrong", Served: false));
        _accounts?.Tell(new ForgetAccount(m.Claim.Name));
        Refuse(m.Claim.Name, m.Claim.Client, m.Code, m.Error);
        // The first to wait claims it now (the release goes first to the registry); the others wait on its check.
        if (_checking.Next(m.Claim.Name) is { } next) _registry.Tell(ClaimOf(m.Claim.Name, next));
    }

    private void StartSession(NameClaimed m)
    {
        // The session's name is its capability: never logged, told only to its client.
        var figures = new SessionFigures(m.Name, _node, _services.Clock.GetUtcNow());
        var name = _inFlight.Remove((m.Name, m.Client), out var f) ? f.Session : Capability.NewName(SessionPrefix);
        var session = Context.ActorOf(SessionActor.Props(m.Name, m.Client, m.Claim, m.Counter, _services, figures), name);
        _metrics?.Registered();
        Context.Watch(session);
        _sessions.Set(m.Name, session);
        var answer = new Registered(session, m.Seq.ClientSeq, m.Seq.ServerSeq, _node);
        _byRef[session] = new Holder(m.Name, m.Client, answer);
        _origins.Keep(m.Client.Path.Address);
        _log.Info("registered '{0}' (clientSeq {1}, serverSeq {2})", m.Name, m.Seq.ClientSeq, m.Seq.ServerSeq);
        m.Client.Tell(answer);
        session.Tell(RegisteredSent.Instance);
        _registry.Tell(new ClaimServed(m.Claim, m.Name));
    }

    private void OnRegistryLost()
    {
        var shutdown = CoordinatedShutdown.Get(Context.System);
        if (shutdown.ShutdownReason is not null) return; // a normal shutdown stops the registry too
        _log.Error("the registry stopped; no client can be served, shutting this node down");
        shutdown.Run(RegistryLost.Instance);
    }

    /// <summary>A session of this node: the name it holds, its client, and the <see cref="Registered"/> that client was
    /// given (given again, unchanged, if it registers the name again while the session lives).</summary>
    private sealed record Holder(string Name, IActorRef Client, Registered Answer);

    /// <summary>A registration between its claim and its answer: the name its session will have, that name's key, and the
    /// key of the session its client presented as its previous one (<see cref="Register.Previous"/>).</summary>
    private sealed record InFlight(string Session, ClaimKey Key, ClaimKey? Presented)
    {
        public override string ToString() => "InFlight"; // the session's name is its capability
    }

    /// <summary>Why the node stopped when its registry did.</summary>
    public sealed class RegistryLost : CoordinatedShutdown.Reason
    {
        public static readonly RegistryLost Instance = new();

        private RegistryLost() { }

        public override int ExitCode => 1;
    }
}
