using Akka.Actor;

namespace Switchboard.Server.Registry;

/// <summary>
/// What a registry remembers of the messages it relays to other nodes, so that their answers come back to the node
/// (its door or inbox) and never to a session: a session's path is its capability and stays on its node. A DM goes
/// out under a relay id and its answer is handed to the session under the session's own id; a broadcast's drop
/// notices name their sender, whose session is looked up here. Bounded: relays expire in order after a horizon of
/// ticks (the sessions time out on their own), and past <see cref="MaxRelays"/> the oldest is forgotten. Owned by
/// one registry actor (single-threaded).
/// </summary>
public sealed class RelayBook(int expireAfterTicks)
{
    public const int MaxRelays = 65536;

    private readonly Dictionary<long, (IActorRef Session, long Id)> _relays = new();
    private readonly Queue<(long Relay, int Tick)> _order = new();
    private readonly Dictionary<string, IActorRef> _senders = new(StringComparer.Ordinal);
    private long _next;
    private int _tick;

    public int Pending => _relays.Count;

    /// <summary>A relay id for <paramref name="session"/>'s DM <paramref name="id"/>.</summary>
    public long Add(IActorRef session, long id)
    {
        var relay = ++_next;
        _relays[relay] = (session, id);
        _order.Enqueue((relay, _tick));
        if (_order.Count > MaxRelays) _relays.Remove(_order.Dequeue().Relay);
        return relay;
    }

    /// <summary>The session and its own id for an answer to <paramref name="relay"/>, once.</summary>
    public (IActorRef Session, long Id)? Take(long relay) => _relays.Remove(relay, out var r) ? r : null;

    /// <summary>The session of <paramref name="name"/>, who broadcast (where another node's drop notice goes).</summary>
    public void Broadcasting(string name, IActorRef session) => _senders[name] = session;

    public IActorRef? SenderOf(string name) => _senders.GetValueOrDefault(name);

    /// <summary>The name was released: its session is gone.</summary>
    public void Forget(string name) => _senders.Remove(name);

    /// <summary>One tick of the registry's clock: relays older than the horizon are forgotten.</summary>
    public void Tick()
    {
        _tick++;
        while (_order.TryPeek(out var head) && head.Tick < _tick - expireAfterTicks) _relays.Remove(_order.Dequeue().Relay);
    }
}
