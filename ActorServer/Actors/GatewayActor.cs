using Akka.Actor;
using Akka.Event;
using Switchboard.Messages;
using Switchboard.Server.Protocol;
using Switchboard.Server.Security;
using Switchboard.Server.Sessions;

namespace Switchboard.Server.Actors;

/// <summary>
/// The seed's "connect channel": validates a name, has the registry claim it atomically (in the segment,
/// for every node sharing it), then creates the client's session and hands its ref back. It never blocks:
/// the claim is a Tell and the answer comes back as a message. Without the registry no client can be
/// served, so losing it stops the node (cleanly, through CoordinatedShutdown: summary printed, segment left).
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly SessionServices _services;
    private readonly string _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _sessionsCreated;
    private readonly Dictionary<string, IActorRef> _sessions = new(StringComparer.Ordinal);
    private IReadOnlySet<string> _nodes = new HashSet<string>();

    public GatewayActor(SessionServices services, string node)
    {
        _services = services;
        _registry = services.Registry;
        _node = node;

        Receive<Register>(OnRegister);
        Receive<NameClaimed>(OnClaimed);
        Receive<NameRefused>(m =>
        {
            _log.Info("registration of {0} refused: {1} {2}", m.Name, m.Code, m.Error);
            m.Client.Tell(new Rejected(m.Code, m.Error));
        });
        Receive<Deliver>(OnDeliver);
        Receive<Fanout>(OnFanout);
        Receive<PresenceChanged>(m =>
        {
            _nodes = m.Nodes;
            if (m.Joined.Count + m.Left.Count == 0) return;
            foreach (var s in _sessions.Values) s.Tell(m);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_registry), _ => OnRegistryLost());
        Receive<Terminated>(t =>
        {
            foreach (var (name, s) in _sessions)
                if (s.Equals(t.ActorRef)) { _sessions.Remove(name); break; }
        });
    }

    public static Props Props(SessionServices services, string node) =>
        Akka.Actor.Props.Create(() => new GatewayActor(services, node));

    protected override void PreStart()
    {
        Context.Watch(_registry);
        _log.Info("gateway up at {0}", Self.Path);
    }

    // A session that throws is stopped (its PostStop frees the name); the gateway and the others go on.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    private void OnRegister(Register m)
    {
        _log.Info("connect from {0} as '{1}'", Sender.Path.Address, m.Name);
        if (Sender.IsNobody())
            return; // nobody to answer or to watch
        if (Limits.NameError(m.Name) is { } error)
        {
            _log.Info("registration refused: {0}", error);
            Sender.Tell(new Rejected(Codes.Invalid, error));
            return;
        }
        _registry.Tell(new ClaimName(m.Name, Sender));
    }

    // A direct message for a client of this node, from this node's or another node's state actor.
    private void OnDeliver(Deliver m)
    {
        if (!NodeTrust.IsNode(Sender, _nodes))
        {
            _log.Warning("refused a delivery from {0}: not a node of this segment", Sender.Path);
            return;
        }
        if (_sessions.TryGetValue(m.To, out var session)) session.Forward(m);
        else m.ReplyTo.Tell(new Delivered(m.Id, Codes.NotOnline, $"{m.To} is not online"));
    }

    // A broadcast: every local session but the sender's own gets it.
    private void OnFanout(Fanout m)
    {
        if (m.Room is not null || !NodeTrust.IsNode(Sender, _nodes))
        {
            _log.Warning("refused a broadcast from {0}", Sender.Path);
            return;
        }
        foreach (var (name, session) in _sessions)
            if (name != m.From) session.Forward(m);
    }

    private void OnClaimed(NameClaimed m)
    {
        // Another session of the same name may still be stopping (its name is already free in the
        // segment): give the new one a distinct actor name rather than fail.
        // '~' is never in a client name, so the stand-in cannot clash with another client's session.
        var actorName = Context.Child(m.Name).IsNobody() ? m.Name : $"{m.Name}~{_sessionsCreated}";
        _sessionsCreated++;
        var session = Context.ActorOf(
            SessionActor.Props(m.Name, m.Client, m.Slot, _services),
            actorName);
        Context.Watch(session);
        _sessions[m.Name] = session;
        _log.Info("registered '{0}' (clientSeq {1}, serverSeq {2}), session {3}", m.Name, m.Seq.ClientSeq, m.Seq.ServerSeq, session.Path);
        m.Client.Tell(new Registered(session, m.Seq.ClientSeq, m.Seq.ServerSeq, _node));
    }

    private void OnRegistryLost()
    {
        var shutdown = CoordinatedShutdown.Get(Context.System);
        if (shutdown.ShutdownReason is not null) return; // a normal shutdown stops the registry too
        _log.Error("the registry stopped; no client can be served, shutting this node down");
        shutdown.Run(RegistryLost.Instance);
    }

    /// <summary>Why the node stopped when its registry did.</summary>
    public sealed class RegistryLost : CoordinatedShutdown.Reason
    {
        public static readonly RegistryLost Instance = new();

        private RegistryLost() { }

        public override int ExitCode => 1;
    }
}
