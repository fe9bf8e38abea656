using Akka.Actor;
using Akka.Event;
using Akka.Remote;

namespace Switchboard.Client.Actors;

/// <summary>What the client actor tells the console side, from its own thread.</summary>
public interface IClientEvents
{
    /// <summary>A pushed event: a message, a presence notice, a dropped-message notice.</summary>
    void Pushed(ISwitchboardMessage message);

    /// <summary>The first registration, reported before anything pushed after it.</summary>
    void Registered(Registered registered);

    void Lost(string why);

    /// <summary>A re-registration was refused: the name taken meanwhile, say, and the client keeps trying; or, when
    /// <paramref name="final"/>, refused for good (403: reserved by someone else, or a look-alike of a reserved name).</summary>
    void ReconnectRefused(int code, string error, bool final = false);

    /// <summary>Registered again under the name, through <paramref name="client"/> (the actor of a fresh system).</summary>
    void Reconnected(Registered registered, IActorRef client);

    /// <summary>The connection is lost: reconnect from a fresh actor system, whose client actor re-registers
    /// (this one may be quarantined by the server, or have quarantined it: DESIGN §8).</summary>
    void NeedsFreshSystem();

    /// <summary>More of what was pushed is waiting to be shown than the console may hold: nothing more is acknowledged
    /// until it catches up, so the server holds the rest back (its window of unacknowledged events) and tells their
    /// senders, instead of this process queueing them without bound.</summary>
    bool Behind { get; }
}

/// <summary>
/// The client's end of the conversation: registers with the gateway, then talks to its session. The
/// console side hands it work with a <see cref="TaskCompletionSource{T}"/> to complete; every pending call
/// is failed at once when the server goes away. The console side then starts a fresh actor system, whose
/// client actor re-registers under the same name with backoff until the server is back.
/// </summary>
public sealed class ClientActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "retry", AckTimer = "ack", CheckTimer = "check";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
    private const int AckEvery = 16;
    private static readonly TimeSpan AckDelay = TimeSpan.FromMilliseconds(200);

    private readonly ActorSelection _gateway;
    private readonly Address _server;
    private readonly string _name;
    private readonly string? _token;
    private readonly IClientEvents _events;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, TaskCompletionSource<IReply>> _pending = new();
    private TaskCompletionSource<ISwitchboardMessage?>? _connecting;
    private IActorRef _session = ActorRefs.Nobody;
    private long _received, _acked;
    private int _attempt;
    private (int Code, string Error) _lastRefusal;
    private readonly bool _startReconnecting;
    private readonly bool _failover;
    private readonly Credentials? _credentials;
    private readonly LastSession _last;
    // Account commands sent, by request id: a confirmed password change becomes the password presented from then on.
    private readonly Dictionary<long, AccountCommand> _accountCalls = [];

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="reconnecting">Start by re-registering (a fresh actor system replacing a quarantined one).</param>
    /// <param name="failover">Other servers are listed: give up on this one after failed attempts to reach it.</param>
    /// <param name="last">The session this client held last, shared with the actors of the fresh systems after it.</param>
    public ClientActor(Address server, string name, IClientEvents events, bool reconnecting, string? token, bool failover = false,
        Credentials? credentials = null, LastSession? last = null)
    {
        _last = last ?? new LastSession();
        _credentials = credentials;
        _failover = failover;
        _server = server;
        _name = name;
        _token = token;
        _events = events;
        _gateway = Context.ActorSelection(new RootActorPath(server) / "user" / "gateway");
        _startReconnecting = reconnecting;
        if (reconnecting) Become(Reconnecting);
        else Become(Idle);
    }

    /// <param name="token">The registration token, where the server requires one.</param>
    /// <param name="credentials">The name's password, where it is reserved (or is to be).</param>
    public static Props Props(Address server, string name, IClientEvents events, bool reconnecting = false, string? token = null, bool failover = false,
        Credentials? credentials = null, LastSession? last = null) =>
        Akka.Actor.Props.Create(() => new ClientActor(server, name, events, reconnecting, token, failover, credentials, last));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(RemotingLifecycleEvent));
        if (_startReconnecting) Self.Tell(new Retry());
    }

    private void Idle()
    {
        Receive<Connect>(c =>
        {
            _connecting = c.Result;
            _gateway.Tell(new Register(_name, _token, _credentials?.Password, _last.Name));
            Become(Connecting);
        });
        NotConnected("not connected");
    }

    private void Connecting()
    {
        Receive<Registered>(r =>
        {
            // Reported here, before any event the session pushes next is handled.
            _events.Registered(r);
            _connecting?.TrySetResult(r);
            GoOnline(r);
        });
        Receive<Rejected>(r =>
        {
            _connecting?.TrySetResult(r);
            Become(Idle);
        });
        // Nothing listens there: fail now rather than at the timeout.
        Receive<AssociationErrorEvent>(e => e.RemoteAddress == _server, _ =>
        {
            _connecting?.TrySetResult(null);
            Become(Idle);
        });
        NotConnected("not connected");
    }

    private void GoOnline(Registered r)
    {
        _session = r.Session;
        _last.Held(r.Session);
        _received = _acked = 0;
        Context.Watch(_session);
        Become(Online);
    }

    private void Online()
    {
        Receive<Call>(c =>
        {
            if (c.Message is AccountCommand a) WithPassword(a, c);
            _pending[c.Id] = c.Result;
            // Leaving: what it has taken in is acknowledged first (what waited for it while away is forgotten only then).
            if (c.Message is Unregister) SendAckNow();
            _session.Tell(c.Message is AccountCommand ? _accountCalls[c.Id] : c.Message);
            if (c.Message is Unregister) Become(Leaving);
        });
        Replies();
        Events();
        Receive<Terminated>(t => t.ActorRef.Equals(_session), _ => Lost("the session ended (the server stopped, or it lost contact with this client)"));
        // The server ended the session, saying why (only the server's association reaches a client).
        Receive<Rejected>(r => Lost($"the server ended the session: {r.Code} {r.Error}"));
        // The connection dropped: is the session still there (a blip) or is the server gone?
        Receive<DisassociatedEvent>(e => e.RemoteAddress == _server, _ =>
        {
            _session.Tell(new Identify("check"));
            Timers.StartSingleTimer(CheckTimer, new CheckExpired(), CheckTimeout);
        });
        Receive<ActorIdentity>(i =>
        {
            // A dead server answers nothing; its gated endpoint answers Nobody at once (dead letters).
            if (i.Subject is null || i.Subject.IsNobody()) Lost("connection to the server was lost");
            else Timers.Cancel(CheckTimer);
        });
        Receive<CheckExpired>(_ => Lost("connection to the server was lost"));
        Receive<Forget>(f => _pending.Remove(f.Id));
        Ignore();
    }

    // The session stops after unregistering: that is the expected end, not a lost server.
    private void Leaving()
    {
        Replies();
        Receive<Call>(c => c.Result.TrySetResult(Down(c.Id, "unregistered")));
        Receive<DisassociatedEvent>(e => e.RemoteAddress == _server && _pending.Count > 0, _ => FailPending("connection to the server was lost"));
        Receive<Terminated>(_ => { });
        Receive<Forget>(f => _pending.Remove(f.Id));
        Ignore();
    }

    private void Reconnecting()
    {
        Receive<Retry>(_ =>
        {
            _attempt++;
            _gateway.Tell(new Register(_name, _token, _credentials?.Password, _last.Name));
            // Backoff: 0.5 s, 1 s, 2 s, 4 s, then every 5 s.
            var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 500 * Math.Pow(2, Math.Min(_attempt, 5) - 1)));
            Timers.StartSingleTimer(RetryTimer, new Retry(), delay);
        });
        Receive<Registered>(r =>
        {
            Timers.Cancel(RetryTimer);
            _log.Info("re-registered as {0} after {1} attempt(s)", _name, _attempt);
            _lastRefusal = default;
            GoOnline(r);
            _events.Reconnected(r, Self);
        });
        Receive<Rejected>(r =>
        {
            // 403 does not change by trying again (a reserved name without its password, a look-alike of one).
            if (r.Code == Codes.Forbidden)
            {
                _log.Info("re-registration refused ({0} {1}); not trying again", r.Code, r.Error);
                Timers.Cancel(RetryTimer);
                _events.ReconnectRefused(r.Code, r.Error, final: true);
                Become(() => NotConnected($"not connected: {r.Error}"));
                return;
            }
            _log.Info("re-registration refused ({0} {1}); retrying", r.Code, r.Error);
            // Told once, not at every retry; again when it says something new (a cluster's 409 naming the holder's lost node
            // once the cluster has noticed, after a plain "already taken" at once), but not for a wait counting down.
            var refusal = (r.Code, Wording(r.Error));
            if (refusal != _lastRefusal) _events.ReconnectRefused(r.Code, r.Error);
            _lastRefusal = refusal;
        });
        // With other servers listed, a server that cannot be reached twice in a row is left for the next one.
        Receive<AssociationErrorEvent>(e => _failover && e.RemoteAddress == _server && _attempt >= 2, _ => Retire());
        Receive<ThisActorSystemQuarantinedEvent>(e => e.RemoteAddress == _server, _ => Retire());
        Receive<QuarantinedEvent>(e => e.Address == _server, _ => Retire());
        NotConnected("disconnected; reconnecting");
    }

    // A refusal's words without its numbers ("try again in 4 s" is the same refusal as "try again in 8 s").
    private static string Wording(string error) => string.Concat(error.Where(c => !char.IsAsciiDigit(c)));

    // This actor system cannot reach the server any more: hand over to a fresh one and answer nothing meanwhile.
    private void Retire()
    {
        Timers.CancelAll();
        Become(() => NotConnected("disconnected; reconnecting"));
        _events.NeedsFreshSystem();
    }

    private void Replies()
    {
        Receive<IReply>(r =>
        {
            if (_accountCalls.Remove(r.Id, out var account))
            {
                if (r.Code == Codes.Ok) _credentials?.Confirmed(account);
                // Sent without a password to a server that keeps accounts: what to do about it, rather than "the password is empty".
                else if (r is Reply { Code: Codes.Invalid } invalid && account.Password.Length == 0) r = invalid with { Error = Credentials.Missing };
            }
            if (_pending.Remove(r.Id, out var tcs)) tcs.TrySetResult(r);
        });
    }

    // An account command goes out with the name's password filled in. Without one it goes out with none: only the server
    // knows whether it keeps accounts (a cluster without --db answers 300, and a hint to start with a password would
    // mislead there); one that does answers 422, turned into that hint above.
    private void WithPassword(AccountCommand a, Call c) => _accountCalls[c.Id] = _credentials?.Fill(a) ?? a with { Password = "" };

    // Pushed events go to the console; the server hears how many were taken in (flow control).
    private void Events()
    {
        Receive<Incoming>(OnPushed);
        Receive<PresenceBatch>(OnPushed);
        Receive<Messages.Dropped>(OnPushed);
        Receive<AwayNotice>(OnPushed);
        Receive<SendAck>(_ => SendAckNow());
    }

    private void OnPushed(ISwitchboardMessage m)
    {
        if (m is PresenceBatch batch)
        {
            foreach (var e in batch.Events) _events.Pushed(e);
            if (batch.MoreJoined + batch.MoreLeft > 0) _events.Pushed(batch); // the "and N more" line
        }
        else _events.Pushed(m);
        _received++;
        if (_received - _acked >= AckEvery) SendAckNow();
        else if (!Timers.IsTimerActive(AckTimer)) Timers.StartSingleTimer(AckTimer, new SendAck(), AckDelay);
    }

    private void SendAckNow()
    {
        if (_received == _acked || _session.IsNobody()) return;
        // Acknowledged on receipt, events a stuck terminal never showed piled up here without bound (the server saw
        // every one taken): asked again shortly instead.
        if (_events.Behind)
        {
            if (!Timers.IsTimerActive(AckTimer)) Timers.StartSingleTimer(AckTimer, new SendAck(), AckDelay);
            return;
        }
        _session.Tell(new Ack(_received));
        _acked = _received;
    }

    private void NotConnected(string why)
    {
        Receive<Call>(c => c.Result.TrySetResult(Down(c.Id, why)));
        Ignore();
    }

    private void Ignore()
    {
        Receive<RemotingLifecycleEvent>(_ => { });
        Receive<Terminated>(_ => { });
        Receive<ActorIdentity>(_ => { });
        Receive<CheckExpired>(_ => { });
        Receive<SendAck>(_ => { });
        Receive<Forget>(_ => { });
    }

    private void Lost(string why)
    {
        _log.Warning("{0}", why);
        Timers.Cancel(CheckTimer);
        FailPending(why);
        Context.Unwatch(_session);
        _session = ActorRefs.Nobody;
        _events.Lost(why);
        // Re-register from a fresh actor system, never from this one: whichever side's failure detector fired,
        // this system may be quarantined by the server, or have quarantined it, and a quarantined pair can
        // never talk again (DESIGN §8). Reusing it lets a registration through just before the server's
        // quarantine lands, and the client flaps.
        Retire();
    }

    private void FailPending(string why)
    {
        foreach (var (id, tcs) in _pending) tcs.TrySetResult(Down(id, why));
        _pending.Clear();
    }

    private static Reply Down(long id, string why) => new(id, Codes.Unreachable, 0, 0, OpValue.None, why);

    /// <summary>Register with the gateway; completes with Registered, Rejected, or null when nobody answers.</summary>
    public sealed record Connect(TaskCompletionSource<ISwitchboardMessage?> Result);

    /// <summary>Send a command to the session and complete with its reply.</summary>
    public sealed record Call(long Id, ISwitchboardMessage Message, TaskCompletionSource<IReply> Result);

    /// <summary>The caller gave up waiting for <paramref name="Id"/>.</summary>
    public sealed record Forget(long Id);

    private sealed record Retry;

    private sealed record SendAck;

    private sealed record CheckExpired;
}
