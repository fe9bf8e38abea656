using Akka.Actor;

namespace Switchboard.Server.Registry;

/// <summary>
/// The direct messages a node relays to other nodes, so that their answers come back to the node (its door or inbox)
/// and never to a session: a session's path is its capability and stays on its node. A DM goes out under a relay id
/// and its answer is handed to the session under the session's own id. Bounded: relays expire in order after a
/// horizon of ticks (the sessions time out on their own), and past <see cref="MaxRelays"/> the oldest is forgotten.
/// Shared: the registry relays and ticks it, and in cluster mode sessions relay through it on their own threads
/// (<c>NodeDirectory</c>) and the node's inbox answers from it, so every call takes its lock (a few instructions).
/// Relay ids are random (63 bits), not counted: an answer is unsigned and carries no sender, so a node that was sent
/// one relay must not be able to answer the others (sent to other nodes) by counting from its own id.
/// </summary>
public sealed class RelayBook(int expireAfterTicks)
{
    public const int MaxRelays = 65536;

    // With the node it went to and its recipient, when known (a cluster's DM sent to that node's inbox).
    private readonly Dictionary<long, (IActorRef Session, long Id, Address? Node, string? To)> _relays = new();
    private readonly Queue<(long Relay, int Tick)> _order = new();
    private int _tick;

    /// <summary>A relay id for <paramref name="session"/>'s DM <paramref name="id"/>, sent to <paramref name="to"/> at
    /// <paramref name="node"/> (a cluster member's node-side address: answered at once should it stop answering, <see cref="Lost"/>).</summary>
    public long Add(IActorRef session, long id, Address? node = null, string? to = null)
    {
        var relay = NewRelayId();
        lock (_relays)
        {
            while (!_relays.TryAdd(relay, (session, id, node, to))) relay = NewRelayId();
            _order.Enqueue((relay, _tick));
            if (_order.Count > MaxRelays) _relays.Remove(_order.Dequeue().Relay);
            return relay;
        }
    }

    // Positive and never 0 (what an absent field reads as).
    private static long NewRelayId()
    {
        Span<byte> bytes = stackalloc byte[8];
        long relay;
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            relay = BitConverter.ToInt64(bytes) & long.MaxValue;
        } while (relay == 0);
        return relay;
    }

    // The session and its own id for an answer to this relay, once.
    private (IActorRef Session, long Id)? Take(long relay)
    {
        lock (_relays) return _relays.Remove(relay, out var r) ? (r.Session, r.Id) : null;
    }

    /// <summary>The member at <paramref name="node"/> stopped answering: the DMs on their way to it are answered now
    /// (404, <paramref name="why"/> of the recipient), as those sent after are, not at the end of the delivery timeout.
    /// Its answers that come after all are dropped. A scan of the book, once per unreachable member.</summary>
    public int Lost(Address node, Func<string, string> why)
    {
        List<(long Relay, IActorRef Session, long Id, string To)>? lost = null;
        lock (_relays)
        {
            foreach (var (relay, r) in _relays)
                if (r.To is { } to && r.Node == node) (lost ??= []).Add((relay, r.Session, r.Id, to));
            if (lost is null) return 0;
            foreach (var l in lost) _relays.Remove(l.Relay);
        }
        foreach (var l in lost) l.Session.Tell(new Delivered(l.Id, Codes.NotOnline, why(l.To)));
        return lost.Count;
    }

    /// <summary>Hands another node's answer to the session whose DM it answers; false when no relay of that id is
    /// pending (answered already, expired, or never sent from here).</summary>
    public bool Answer(Delivered answer)
    {
        if (Take(answer.Id) is not var (session, id)) return false;
        session.Tell(new Delivered(id, answer.Code, answer.Error));
        return true;
    }

    /// <summary>One tick of the registry's clock: relays older than the horizon are forgotten.</summary>
    public void Tick()
    {
        lock (_relays)
        {
            _tick++;
            while (_order.TryPeek(out var head) && head.Tick < _tick - expireAfterTicks) _relays.Remove(_order.Dequeue().Relay);
        }
    }
}
