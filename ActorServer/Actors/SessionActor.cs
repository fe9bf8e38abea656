using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using Switchboard.Messages;
using Switchboard.Server.Protocol;
using Switchboard.Server.State;

namespace Switchboard.Server.Actors;

/// <summary>
/// The seed's per-client "comm channel" and worker thread: one per registered client, on the
/// session dispatcher. Runs each request through the operation registry and hands the outcome to the
/// state actor, which counts it and replies. Watches its client so a dead client frees its name.
/// </summary>
public sealed class SessionActor : ReceiveActor, IWithTimers
{
    private const string ProbeTimer = "probe";
    private readonly string _name;
    private readonly IActorRef _client;
    private readonly SlotHandle _slot;
    private readonly IActorRef _state;
    private readonly SessionSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string _endReason = "session stopped";

    public ITimerScheduler Timers { get; set; } = null!;

    public SessionActor(string name, IActorRef client, SlotHandle slot, IActorRef state, SessionSettings settings)
    {
        _name = name;
        _client = client;
        _slot = slot;
        _state = state;
        _settings = settings;
        Become(Serving);
    }

    public static Props Props(string name, IActorRef client, SlotHandle slot, IActorRef state, SessionSettings settings) =>
        Akka.Actor.Props.Create(() => new SessionActor(name, client, slot, state, settings));

    protected override void PreStart()
    {
        Context.Watch(_client);
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _state.Tell(new ReleaseName(_slot, _name, _endReason));
        _log.Info("session of '{0}' ended: {1}", _name, _endReason);
    }

    private void Serving()
    {
        Receive<Request>(OnRequest);
        Receive<Unregister>(OnUnregister);
        Receive<Terminated>(t => t.ActorRef.Equals(_client), _ => End("client died"));
        Receive<DisassociatedEvent>(e => e.RemoteAddress == _client.Path.Address, _ => StartProbe());
        Receive<ActorIdentity>(OnIdentity);
        Receive<ProbeExpired>(_ => End("client unreachable after its connection dropped"));
        ReceiveAny(m => _log.Debug("session '{0}' ignored {1} from {2}", _name, m.GetType().Name, Sender.Path));
    }

    private void OnRequest(Request r)
    {
        // Identity is the registered client: nobody else may speak through this session.
        if (!Sender.Equals(_client))
        {
            _log.Warning("session '{0}' refused a request from {1}", _name, Sender.Path);
            Sender.Tell(new Reply(r.Id, Codes.Unauthorized, 0, 0, OpValue.None, "not your session"));
            return;
        }
        var outcome = _settings.Operations.Run(r.Op, r.Args);
        if (_log.IsDebugEnabled)
            _log.Debug("'{0}' #{1} {2} [{3}] -> {4} {5}", _name, r.Id, r.Op, string.Join(' ', r.Args), outcome.Code, outcome.Error ?? outcome.Value.ToString());
        _state.Tell(new CountAndReply(_slot, _client, r.Id, outcome));
    }

    private void OnUnregister(Unregister u)
    {
        if (!Sender.Equals(_client))
        {
            Sender.Tell(new Reply(u.Id, Codes.Unauthorized, 0, 0, OpValue.None, "not your session"));
            return;
        }
        _endReason = "unregistered";
        _state.Tell(new ReleaseAndReply(_slot, _name, _client, u.Id));
        Context.Stop(Self);
    }

    // The client's TCP connection dropped: a killed process never answers, a live one does at once.
    private void StartProbe()
    {
        if (Timers.IsTimerActive(ProbeTimer)) return;
        _log.Info("connection of '{0}' dropped; probing", _name);
        _client.Tell(new Identify(_name));
        Timers.StartSingleTimer(ProbeTimer, ProbeExpired.Instance, _settings.ProbeTimeout);
    }

    private void OnIdentity(ActorIdentity id)
    {
        if (id.Subject is null || id.Subject.IsNobody())
        {
            End("client actor is gone");
            return;
        }
        Timers.Cancel(ProbeTimer);
        _log.Info("'{0}' answered the probe; keeping the session", _name);
    }

    private void End(string reason)
    {
        _endReason = reason;
        Context.Stop(Self);
    }

    private sealed record ProbeExpired
    {
        public static readonly ProbeExpired Instance = new();
    }
}
