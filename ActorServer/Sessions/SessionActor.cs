using Akka.Actor;
using Akka.Event;
using Akka.Remote;

namespace Switchboard.Server.Sessions;

/// <summary>
/// The seed's per-client "comm channel" and worker thread: one per registered client, on the session
/// dispatcher. Runs each request through the operation registry and answers it itself, numbered by its
/// <see cref="ReplyCounter"/> (<see cref="SessionReplies"/>): no other actor is on a request's path. Only its client speaks through it, within a rate limit; its chat, both ways,
/// is <see cref="SessionChat"/>'s. Watches its client (and probes it when it falls silent or its connection
/// drops) so a dead client frees its name.
/// </summary>
public sealed class SessionActor : ReceiveActor, IWithTimers, IWithUnboundedStash, ISessionInbox
{
    private const string ProbeTimer = "probe";
    private const string LivenessTimer = "liveness";
    private const string HoldTimer = "hold";
    /// <summary>Client messages held at most while what arrived while away is read (past it they go on, unordered).</summary>
    public const int MaxHeld = 256;
    private readonly string _name;
    private readonly IActorRef _client;
    private readonly ClaimHandle _claim;
    private readonly IActorRef _registry;
    private readonly IActorRef _roomsActor;
    private readonly OperationRegistry _operations;
    private readonly SessionSettings _settings;
    private readonly RequestThrottle _throttle;
    private readonly SessionChat _chat;
    private readonly SessionReplies _replies;
    // Chat commands by name (ChatCommand): each component registers its verbs in Listen.
    private readonly Dictionary<string, Action<ChatCommand>> _verbs = new(StringComparer.Ordinal);
    // Not the actor's path: its name is the session's capability, which must never reach a log.
    private readonly ILoggingAdapter _log = Akka.Event.Logging.GetLogger(Context.System, "session");
    private string _endReason = "session stopped";
    private string? _probeId;
    private string? _livenessId;
    private bool _heard = true;
    private readonly SwitchboardMetrics? _metrics;
    private readonly SessionFigures? _figures;
    private bool _verifyRequested;
    // The client's connection dropped since it last answered a probe (so a probe that runs out means it is gone).
    private bool _dropped;
    private readonly TokenBucket _accountBucket;
    // When the account command now with the accounts was sent (null: none is).
    private DateTimeOffset? _accountAskedAt;
    // Client messages wait (HoldClient) while anything holds them; how many are waiting.
    private readonly HashSet<object> _holders = [];
    private int _held;
    // Whether the gateway has sent the client its Registered (RegisteredSent).
    private bool _registered;

    public ITimerScheduler Timers { get; set; } = null!;

    // The host the client connects from as the transport saw it (grouped by switchboard.hosts), as accounts are
    // charged: the store's read-backs this session causes are charged to it. None for an actor of this very process
    // (an in-process spec's client): no peer's.
    private static string? HostOf(IActorRef client)
    {
        if (!client.Path.Address.HasGlobalScope) return null;
        var host = PeerAddresses.For(Context.System).HostOf(client.Path.Address);
        return host.Length == 0 ? null : host;
    }

    public IStash Stash { get; set; } = null!;

    public SessionActor(string name, IActorRef client, ClaimHandle claim, ReplyCounter counter, SessionServices services, SessionFigures? figures = null)
    {
        _name = name;
        _metrics = services.Metrics;
        _figures = figures;
        _client = client;
        _claim = claim;
        _registry = services.Registry;
        _roomsActor = services.Rooms;
        _operations = services.Operations;
        _settings = services.Settings;
        _throttle = new RequestThrottle(_settings.RatePerSecond, _settings.RateBurst, services.Clock);
        _replies = new SessionReplies(counter, client, _registry, Self, _metrics, _log, End, name, services.Unavailable);
        _chat = new SessionChat(name, claim, Self, this, Context.System.Scheduler, services, _replies, figures, HostOf(client));

        // First of all: until the gateway has sent the client its Registered, everything waits (a DM or a presence
        // notice handed to a session the moment it exists would otherwise reach the client first, and be dropped by a
        // client that does not know its session yet). The gateway sends RegisteredSent right after, so this is brief.
        Receive<RegisteredSent>(_ => Sender.Equals(Context.Parent), _ =>
        {
            if (_registered) return;
            _registered = true;
            Stash.UnstashAll();
            _chat.RegisteredSent();
        });
        Receive<object>(_ => !_registered, _ => Stash.Stash());
        // Then, before every other handler: while held, the client's messages (but its acks) wait.
        Receive<object>(m => _holders.Count > 0 && m is not Ack && Sender.Equals(_client), _ =>
        {
            Stash.Stash();
            if (++_held >= MaxHeld) ReleaseClient();
        });
        Receive<HoldExpired>(_ => ReleaseClient());
        Receive<Request>(OnRequest);
        Receive<RequestBatch>(OnRequestBatch);
        Receive<Unregister>(OnUnregister);
        // Accounts (issue 21): the client's commands for its own name, answered like any request (AccountDesk).
        // Its wrong passwords are charged to the host the socket saw, as at registration, never to the one the client's
        // address claims (a peer could have another host penalised, or guess past its own host's penalty).
        _accountBucket = new TokenBucket(_settings.AccountsPerMinute / 60, _settings.AccountsBurst, services.Clock.GetUtcNow().UtcTicks);
        FromClient<AccountCommand>(m => m.Id, m =>
        {
            if (AccountRefusal(services.Clock) is { } refusal)
            {
                _chat.Answer(m.Id, new OpOutcome(Codes.RateLimited, OpValue.None, refusal));
                return;
            }
            _accountAskedAt = services.Clock.GetUtcNow();
            AccountDesk.Ask(services.Accounts, _name, PeerAddresses.For(Context.System).HostOf(_client.Path.Address), m, Self);
        });
        Receive<AccountAnswer>(m =>
        {
            _accountAskedAt = null;
            if (m.RetryAfter > TimeSpan.Zero) _replies.RateLimited(m.Id, m.Outcome.Error ?? "try again", m.RetryAfter);
            else _chat.Answer(m.Id, m.Outcome);
        });
        Receive<Ack>(m => Sender.Equals(_client), m =>
        {
            _heard = true;
            _chat.Acknowledge(m.Received);
        });
        Receive<LivenessTick>(_ => OnLivenessTick());

        _chat.Listen(this);
        FromClient<ChatCommand>(m => m.Id, m =>
        {
            if (_verbs.TryGetValue(m.Verb, out var handle)) handle(m);
            // The verb is the peer's: echoed back no longer than a name (a frame-sized verb is not a frame-sized answer).
            else _chat.Answer(m.Id, OpOutcome.NotSupported($"unknown command '{(m.Verb.Length > Limits.MaxNameLength ? m.Verb[..Limits.MaxNameLength] + "…" : m.Verb)}'"));
        });

        Receive<Terminated>(t => t.ActorRef.Equals(_client), _ => End("client died"));
        Receive<DisassociatedEvent>(e => e.RemoteAddress == _client.Path.Address, _ =>
        {
            _dropped = true;
            StartProbe("its connection dropped");
        });
        // Every session hears every connection's end (the event stream has no filter): another client's is not news here,
        // and at --debug each departure was a line per other session.
        Receive<DisassociatedEvent>(_ => { });
        Receive<ActorIdentity>(OnIdentity);
        Receive<ProbeExpired>(_ => OnProbeExpired());
        Receive<LookAlikeReserved>(_ => Sender.Equals(Context.Parent), m =>
        {
            _log.Info("'{0}' differs only in case from '{1}', reserved now: its session ends", _name, m.Reserved);
            var reason = $"'{_name}' differs only in case from the reserved name '{m.Reserved}'";
            // Why, before the session goes: the client would take its end for a lost connection and try the name again.
            _replies.ToClient(new Rejected(Codes.Forbidden, AccountsActor.LookAlikeText(_name, m.Reserved)));
            End(reason);
        });
        // Its name went to its client's reconnect (in a cluster, a registration that presented this session's key).
        Receive<ClaimLost>(m => Sender.Equals(_registry) && m.Token == _claim.Token, _ =>
        {
            _replies.ToClient(new Rejected(Codes.NameTaken, RegistryText.HandedOver));
            End("its name went to its client's reconnect");
        });
        Receive<VerifyClient>(_ => Sender.Equals(Context.Parent), _ =>
        {
            _verifyRequested = true;
            StartProbe("another client asked for its name");
        });
        // What only the registry knows, from the registry alone.
        Receive<NumbersReady>(_ => Sender.Equals(_registry), _ => _replies.NumbersReady());
        Receive<WhoList>(_ => Sender.Equals(_registry), m => _chat.WhoListed(m.Clients, m.More));
        Receive<WhoFailed>(_ => Sender.Equals(_registry), m => _chat.WhoFailed(m.Error));
        ReceiveAny(m => _log.Debug("session '{0}' ignored {1} from {2}", _name, m.GetType().Name, Sender.Path));
    }

    public static Props Props(string name, IActorRef client, ClaimHandle claim, ReplyCounter counter, SessionServices services, SessionFigures? figures = null) =>
        Akka.Actor.Props.Create(() => new SessionActor(name, client, claim, counter, services, figures)).WithDispatcher(SessionSettings.Dispatcher);

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(LivenessTimer, LivenessTick.Instance, _settings.LivenessInterval);
        Context.Watch(_client);
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        _metrics?.SessionStarted();
        if (_figures is not null) _metrics?.Sessions.Add(_figures);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _chat.HandOver();
        _roomsActor.Tell(new LeaveAll(Self));
        _registry.Tell(new ReleaseName(_claim, _name, _endReason)); // after its last reply: the counter is done
        _metrics?.SessionEnded(_chat.Unacked);
        if (_figures is not null) _metrics?.Sessions.Remove(_figures);
        _log.Info("session of '{0}' ended: {1}", _name, _endReason);
    }

    // One account command at a time, within its own rate: each is a password hash.
    private string? AccountRefusal(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        // The accounts answer everything; a minute bounds the wait should one answer ever be lost.
        if (now - _accountAskedAt < TimeSpan.FromMinutes(1)) return "one account command at a time: wait for the answer to the last one";
        return _accountBucket.TryTake(now.UtcTicks)
            ? null
            : TooManyAccountCommands(_settings.AccountsBurst, _settings.AccountsPerMinute, TimeSpan.FromTicks(_accountBucket.TicksUntilToken(now.UtcTicks)));
    }

    // The budget as it applies, a burst then a rate ("at most 6 a minute" alone, after 3 in a second, read as a wrong
    // count), and when the next command would be taken, in whole seconds rounded up: this 429 has no retry-after.
    internal static string TooManyAccountCommands(double burst, double perMinute, TimeSpan wait) =>
        $"too many account commands ({burst:0} at once, then {perMinute:0} a minute); try again in {Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds))} s";

    void ISessionInbox.FromClient<T>(Func<T, long> id, Action<T> handle) => FromClient(id, handle);
    void ISessionInbox.Receive<T>(Action<T> handle) => Receive(handle);
    void ISessionInbox.FromNode<T>(Action<T> handle) => Receive<T>(_ => FromNode(), handle);

    // No sender reads as dead letters, a local path: it is no one's, and a peer can send without one.
    private bool FromNode() => !Sender.IsNobody() && !Sender.Path.Address.HasGlobalScope && !Sender.Equals(_client);
    void ISessionInbox.Verb(string verb, Action<ChatCommand> handle) => _verbs.Add(verb, handle);

    void ISessionInbox.HoldClient(object holder, TimeSpan atMost)
    {
        _holders.Add(holder);
        Timers.StartSingleTimer(HoldTimer, HoldExpired.Instance, atMost);
    }

    void ISessionInbox.ReleaseClient(object holder)
    {
        if (_holders.Remove(holder) && _holders.Count == 0) ReleaseClient();
    }

    // The held messages go back to the front of the mailbox, in the order they came (all of them, whoever held them:
    // past the bound or the time).
    private void ReleaseClient()
    {
        _holders.Clear();
        _held = 0;
        Timers.Cancel(HoldTimer);
        Stash.UnstashAll();
    }

    /// <summary>A client request: only from this session's client, and within its rate limit.</summary>
    private void FromClient<T>(Func<T, long> id, Action<T> handle) => Receive<T>(m =>
    {
        if (!FromClient(id(m))) return;
        _figures?.Request();
        if (_log.IsDebugEnabled) _log.Debug("'{0}' #{1} {2}", _name, id(m), Kind(m));
        if (Allowed(id(m))) handle(m);
    });

    // A request as its debug line names it: its type, and a command's verb or action (not its text: a chat line or a
    // password is not the log's). The verb is the peer's: no longer than a name.
    private static string Kind(object? m) => m switch
    {
        ChatCommand c => $"ChatCommand {(c.Verb.Length > Limits.MaxNameLength ? c.Verb[..Limits.MaxNameLength] + "…" : c.Verb)}",
        AccountCommand a => $"AccountCommand {a.Action}",
        _ => m?.GetType().Name ?? "",
    };

    private void OnRequest(Request r)
    {
        if (!FromClient(r.Id)) return;
        _figures?.Request();
        if (!Allowed(r.Id)) return;
        var started = _metrics is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = _operations.Run(r.Op, r.Args);
        if (_log.IsDebugEnabled)
            _log.Debug("'{0}' #{1} {2} [{3}] -> {4} {5}", _name, r.Id, r.Op, string.Join(' ', r.Args), outcome.Code, outcome.Error ?? outcome.Value.ToString());
        _replies.Reply(r.Id, outcome, started);
    }

    // Requests the client had queued, in one message: the same checks per request (a batch is N requests for the
    // rate limit), answered together in one counted step and one message back.
    private void OnRequestBatch(RequestBatch b)
    {
        var requests = b.Requests;
        if (requests.Length == 0 || !FromClient(requests[0].Id)) return;
        if (requests.Length > Limits.MaxBatch) return; // the serializer refuses these from a peer; never from our own code
        var answered = new Answered[requests.Length];
        var n = 0;
        foreach (var r in requests)
        {
            if (!Allowed(r.Id)) continue;
            var outcome = _operations.Run(r.Op, r.Args);
            if (_log.IsDebugEnabled)
                _log.Debug("'{0}' #{1} {2} [{3}] -> {4} {5}", _name, r.Id, r.Op, string.Join(' ', r.Args), outcome.Code, outcome.Error ?? outcome.Value.ToString());
            answered[n++] = new Answered(r.Id, outcome);
        }
        if (n == 0) return;
        if (n < answered.Length) Array.Resize(ref answered, n);
        _replies.Batch(answered);
    }

    private void OnUnregister(Unregister u)
    {
        if (!FromClient(u.Id)) return;
        _endReason = RegistryText.Unregistered;
        _replies.Unregistered(u.Id, new ReleaseName(_claim, _name, _endReason));
        Context.Stop(Self);
    }

    /// <summary>Identity is the registered client: nobody else may speak through this session.</summary>
    private bool FromClient(long id)
    {
        if (Sender.Equals(_client)) return _heard = true;
        _log.Warning("session '{0}' refused a message from {1}", _name, Sender.Path);
        // Answered only over the client's own connection: a sender path is the peer's to write, and answering one on
        // another address had this node dial whatever host and port a peer named (a hostile tester's find).
        if (Sender.Path.Address.Equals(_client.Path.Address))
            Sender.Tell(new Reply(id, Codes.Unauthorized, 0, 0, OpValue.None, "not your session"));
        return false;
    }

    /// <summary>Rate limit: past it the request is answered 429 (and counted, like any reply) without any work, with
    /// when to come back, so a client can send it again then instead of losing it.</summary>
    private bool Allowed(long id)
    {
        switch (_throttle.Admit())
        {
            case RateVerdict.Allowed:
                return true;
            case RateVerdict.RateLimited:
                _metrics?.RateLimited(answered: true);
                _figures?.Limited();
                _replies.RateLimited(id, $"rate limit exceeded ({_throttle.RatePerSecond:0}/s)", _throttle.RetryAfter);
                return false;
            default:
                _metrics?.RateLimited(answered: false);
                _figures?.Limited();
                if (_throttle.FloodStarted) _log.Warning("'{0}' is flooding; dropping its requests until it slows down", _name);
                return false;
        }
    }

    // The client's TCP connection dropped, or another client asked for the name: a killed process never answers, a
    // live one does at once. Why is logged: "dropped" when someone else asked read as a lost connection.
    private void StartProbe(string why)
    {
        if (Timers.IsTimerActive(ProbeTimer)) return;
        _log.Info("'{0}': {1}; probing its client", _name, why);
        _probeId = Capability.NewName("probe-");
        _client.Tell(new Identify(_probeId));
        Timers.StartSingleTimer(ProbeTimer, ProbeExpired.Instance, _settings.ProbeTimeout);
    }

    // A silent client is asked who it is, by an id only this session knows; no answer by the next tick: it is gone.
    private void OnLivenessTick()
    {
        if (_livenessId is not null)
        {
            End("client did not answer a liveness probe");
            return;
        }
        if (!_heard)
        {
            _livenessId = Capability.NewName("alive-");
            _client.Tell(new Identify(_livenessId));
        }
        _heard = false;
    }

    // Only the answer to this session's own probe counts (its id is unguessable), so nobody else's identity ends it.
    private void OnIdentity(ActorIdentity id)
    {
        if (_livenessId is not null && id.MessageId is string alive && alive == _livenessId)
        {
            _livenessId = null;
            _heard = true;
            if (id.Subject is null || id.Subject.IsNobody()) End("client actor is gone");
            return;
        }
        if (_probeId is null || id.MessageId is not string probe || probe != _probeId) return;
        _probeId = null;
        if (id.Subject is null || id.Subject.IsNobody())
        {
            End("client actor is gone");
            return;
        }
        Timers.Cancel(ProbeTimer);
        _dropped = false;
        _log.Info("'{0}' answered the probe; keeping the session", _name);
        if (_verifyRequested) Context.Parent.Tell(new ClientVerified(_name));
        _verifyRequested = false;
    }

    // Only a probe after a dropped connection ends the session when it runs out. A check asked for by the gateway
    // (someone else wants this name) over a connection that is up proves nothing by its silence: a live client on
    // a busy host can be slow, and a newcomer must not be able to evict it; the name stays taken.
    private void OnProbeExpired()
    {
        _probeId = null;
        if (_dropped)
        {
            End("client unreachable after its connection dropped");
            return;
        }
        _log.Info("'{0}' did not answer the check in time, but its connection is up; keeping the session", _name);
        if (_verifyRequested) Context.Parent.Tell(new ClientVerified(_name));
        _verifyRequested = false;
    }

    private void End(string reason)
    {
        _endReason = reason;
        Context.Stop(Self);
    }

    private sealed record LivenessTick
    {
        public static readonly LivenessTick Instance = new();
    }

    private sealed record ProbeExpired
    {
        public static readonly ProbeExpired Instance = new();
    }

    private sealed record HoldExpired
    {
        public static readonly HoldExpired Instance = new();
    }
}
