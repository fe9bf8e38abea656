using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using Switchboard.Messages;

namespace Switchboard.Client.Actors;

/// <summary>
/// The client's end of the conversation: registers with the gateway, then talks to its session. The
/// console side hands it work with a <see cref="TaskCompletionSource{T}"/> to complete; every pending call
/// is failed at once when the server goes away, so nothing waits on a dead server.
/// </summary>
public sealed class ClientActor : ReceiveActor
{
    private readonly ActorSelection _gateway;
    private readonly Address _server;
    private readonly string _name;
    private readonly Action<string> _onLost;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, TaskCompletionSource<Reply>> _pending = new();
    private TaskCompletionSource<ISwitchboardMessage?>? _connecting;
    private IActorRef _session = ActorRefs.Nobody;

    public ClientActor(Address server, string name, Action<string> onLost)
    {
        _server = server;
        _name = name;
        _onLost = onLost;
        _gateway = Context.ActorSelection(new RootActorPath(server) / "user" / "gateway");
        Become(Idle);
    }

    public static Props Props(Address server, string name, Action<string> onLost) =>
        Akka.Actor.Props.Create(() => new ClientActor(server, name, onLost));

    protected override void PreStart() =>
        Context.System.EventStream.Subscribe(Self, typeof(RemotingLifecycleEvent));

    private void Idle()
    {
        Receive<Connect>(c =>
        {
            _connecting = c.Result;
            _gateway.Tell(new Register(_name));
            Become(Connecting);
        });
        Receive<Call>(c => c.Result.TrySetResult(Down(c.Id, "not connected")));
        IgnoreLifecycle();
    }

    private void Connecting()
    {
        Receive<Registered>(r =>
        {
            _session = r.Session;
            Context.Watch(_session);
            _connecting?.TrySetResult(r);
            Become(Online);
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
        Receive<Call>(c => c.Result.TrySetResult(Down(c.Id, "not connected")));
        IgnoreLifecycle();
    }

    private void Online()
    {
        Receive<Call>(c =>
        {
            _pending[c.Id] = c.Result;
            _session.Tell(c.Message);
            if (c.Message is Unregister) Become(Leaving);
        });
        Receive<Reply>(r =>
        {
            if (_pending.Remove(r.Id, out var tcs)) tcs.TrySetResult(r);
        });
        Receive<Forget>(f => _pending.Remove(f.Id));
        Receive<Terminated>(t => t.ActorRef.Equals(_session), _ => Lost("the server closed this session"));
        Receive<DisassociatedEvent>(e => e.RemoteAddress == _server, _ => Lost("connection to the server was lost"));
        IgnoreLifecycle();
    }

    // The session stops after unregistering: that is the expected end, not a lost server.
    private void Leaving()
    {
        Receive<Reply>(r =>
        {
            if (_pending.Remove(r.Id, out var tcs)) tcs.TrySetResult(r);
        });
        Receive<Call>(c => c.Result.TrySetResult(Down(c.Id, "unregistered")));
        Receive<DisassociatedEvent>(e => e.RemoteAddress == _server && _pending.Count > 0, _ => Lost("connection to the server was lost"));
        Receive<Terminated>(_ => { });
        IgnoreLifecycle();
    }

    private void IgnoreLifecycle() => Receive<RemotingLifecycleEvent>(_ => { });

    private void Lost(string why)
    {
        _log.Warning("{0}", why);
        foreach (var (id, tcs) in _pending) tcs.TrySetResult(Down(id, why));
        _pending.Clear();
        _session = ActorRefs.Nobody;
        Become(Idle);
        _onLost(why);
    }

    private static Reply Down(long id, string why) => new(id, Codes.Unreachable, 0, 0, OpValue.None, why);

    /// <summary>Register with the gateway; completes with Registered, Rejected, or null when nobody answers.</summary>
    public sealed record Connect(TaskCompletionSource<ISwitchboardMessage?> Result);

    /// <summary>Send a request (or unregister) to the session and complete with its reply.</summary>
    public sealed record Call(long Id, ISwitchboardMessage Message, TaskCompletionSource<Reply> Result);

    /// <summary>The caller gave up waiting for <paramref name="Id"/>.</summary>
    public sealed record Forget(long Id);
}
