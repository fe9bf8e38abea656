using Akka.Actor;
using Switchboard.Client.Actors;
using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>Outcome of registering: <see cref="Registered"/>, or a code and error (409, 422, 400 unreachable).</summary>
public sealed record ConnectResult(Registered? Registered, int Code, string? Error);

/// <summary>
/// Async face of <see cref="ClientActor"/> for the console loops. Every wait is bounded: a reply that does
/// not come within the request timeout is answered 400 here.
/// </summary>
public sealed class Connection(IActorRef client, TimeSpan registerTimeout, TimeSpan requestTimeout)
{
    private long _nextId;

    /// <summary>True once the server went away; requests then get 400 at once.</summary>
    public bool IsLost { get; private set; }

    public void MarkLost() => IsLost = true;

    public async Task<ConnectResult> ConnectAsync()
    {
        var tcs = new TaskCompletionSource<ISwitchboardMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Tell(new ClientActor.Connect(tcs));
        var answer = await tcs.Task.WaitAsync(registerTimeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
        return answer switch
        {
            Registered r => new ConnectResult(r, Codes.Ok, null),
            Rejected r => new ConnectResult(null, r.Code, r.Error),
            _ => new ConnectResult(null, Codes.Unreachable, "server unreachable"),
        };
    }

    public Task<Reply> RequestAsync(string op, string[] args)
    {
        var id = Interlocked.Increment(ref _nextId);
        return CallAsync(id, new Request(id, op, args));
    }

    public Task<Reply> UnregisterAsync()
    {
        var id = Interlocked.Increment(ref _nextId);
        return CallAsync(id, new Unregister(id));
    }

    private async Task<Reply> CallAsync(long id, ISwitchboardMessage message)
    {
        if (IsLost) return new Reply(id, Codes.Unreachable, 0, 0, OpValue.None, "server unreachable");
        var tcs = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Tell(new ClientActor.Call(id, message, tcs));
        try
        {
            return await tcs.Task.WaitAsync(requestTimeout);
        }
        catch (TimeoutException)
        {
            client.Tell(new ClientActor.Forget(id));
            return new Reply(id, Codes.Unreachable, 0, 0, OpValue.None, $"no reply from the server within {requestTimeout.TotalSeconds:0}s");
        }
    }
}
