using Akka.Actor;

namespace Switchboard.Client.Hosting;

/// <summary>Outcome of registering: <see cref="Registered"/>, or a code and error (409, 422, 400 unreachable).</summary>
public sealed record ConnectResult(Registered? Registered, int Code, string? Error);

/// <summary>
/// Async face of <see cref="ClientActor"/> for the console loops. Every wait is bounded: a reply that does
/// not come within the request timeout is answered 400 here.
/// </summary>
/// <param name="seen">Told every reply with its request (the rooms joined and left), where the client catches up after a reconnect.</param>
public sealed class Connection(IActorRef client, TimeSpan registerTimeout, TimeSpan requestTimeout, SeenMessages? seen = null)
{
    private long _nextId;
    private volatile bool _lost;
    private volatile IActorRef _client = client;
    private volatile Task _rejoined = Task.CompletedTask;

    /// <summary>Talk through <paramref name="replacement"/> from now on (a fresh actor system after a quarantine).</summary>
    public void Rebind(IActorRef replacement) => _client = replacement;

    /// <summary>True while the server is away; commands then get 400 at once.</summary>
    public bool IsLost => _lost;

    public void MarkLost() => _lost = true;

    public void MarkBack() => _lost = false;

    /// <summary>After a reconnect: commands wait for <paramref name="rooms"/> (the catch-up's joins, sent with
    /// <see cref="SendNowAsync"/>) before they go, at most a request's timeout.</summary>
    public void Rejoining(Task rooms) => _rejoined = rooms;

    /// <summary>The server refused the name for good (403 at a re-registration): nothing is tried again.</summary>
    public string? Refusal { get; private set; }

    public void MarkRefused(string error)
    {
        Refusal = error;
        _lost = true;
    }

    public async Task<ConnectResult> ConnectAsync()
    {
        var tcs = new TaskCompletionSource<ISwitchboardMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.Tell(new ClientActor.Connect(tcs));
        var answer = await tcs.Task.WaitAsync(registerTimeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
        return answer switch
        {
            Registered r => new ConnectResult(r, Codes.Ok, null),
            Rejected r => new ConnectResult(null, r.Code, r.Error),
            _ => new ConnectResult(null, Codes.Unreachable, "server unreachable"),
        };
    }

    public Task<IReply> RequestAsync(string op, string[] args) => SendAsync(id => new Request(id, op, args));

    public Task<IReply> UnregisterAsync() => SendAsync(id => new Unregister(id));

    /// <summary>A command: after the rooms are joined again when a reconnect is catching up (<see cref="Rejoining"/>).</summary>
    public async Task<IReply> SendAsync(Func<long, ISwitchboardMessage> make)
    {
        if (_rejoined is { IsCompleted: false } rejoined)
            await Task.WhenAny(rejoined, Task.Delay(requestTimeout));
        return await SendNowAsync(make);
    }

    /// <summary>At once, not waiting for a catch-up's joins: the catch-up's own requests.</summary>
    public async Task<IReply> SendNowAsync(Func<long, ISwitchboardMessage> make)
    {
        var id = Interlocked.Increment(ref _nextId);
        if (IsLost) return Down(id, Refusal is { } refused ? $"not connected: {refused}" : "not connected (reconnecting)");
        var message = make(id);
        if (Limits.PayloadBytes(message) > Limits.MaxRequestBytes)
            return new Reply(id, Codes.Invalid, 0, 0, OpValue.None, $"request too large (more than {Limits.MaxRequestBytes / 1024} KiB)");
        // The server refuses such a frame at decode, without a word: answered here instead of waiting for a timeout.
        if (Limits.ArgCount(message) > Limits.MaxArgs)
            return new Reply(id, Codes.Invalid, 0, 0, OpValue.None, $"too many arguments (at most {Limits.MaxArgs})");
        var tcs = new TaskCompletionSource<IReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = _client;
        actor.Tell(new ClientActor.Call(id, message, tcs));
        try
        {
            var reply = await tcs.Task.WaitAsync(requestTimeout);
            seen?.Answered(message, reply);
            return reply;
        }
        catch (TimeoutException)
        {
            actor.Tell(new ClientActor.Forget(id));
            return Down(id, $"no reply from the server within {requestTimeout.TotalSeconds:0}s");
        }
    }

    private static Reply Down(long id, string why) => new(id, Codes.Unreachable, 0, 0, OpValue.None, why);
}
