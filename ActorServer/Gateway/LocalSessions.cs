using System.Collections.Concurrent;
using Akka.Actor;

namespace Switchboard.Server.Gateway;

/// <summary>
/// This node's sessions by client name: written by the gateway alone (a session starts, a session ends), read by the
/// gateway and by sessions on their own threads, so a direct message to a client of this node goes from the sender's
/// session straight to the recipient's, past the registry (issue 22: no shared actor on that path).
/// </summary>
public sealed class LocalSessions
{
    private readonly ConcurrentDictionary<string, IActorRef> _byName = new(StringComparer.Ordinal);

    public bool TryGet(string name, out IActorRef session) => _byName.TryGetValue(name, out session!);

    public void Set(string name, IActorRef session) => _byName[name] = session;

    /// <summary>Removes the entry only if it is still <paramref name="session"/> (not a newer session of the name).</summary>
    public bool Remove(string name, IActorRef session) => _byName.TryRemove(new KeyValuePair<string, IActorRef>(name, session));

    public IEnumerable<KeyValuePair<string, IActorRef>> All => _byName;

    /// <summary>A direct message from another node (its door or inbox) for a client of this node: to its session, or
    /// answered "not online" to the message's reply address (the other node's, or a session of this node when its
    /// registry routed it here), from <paramref name="self"/> (the actor handing it on).</summary>
    public void Deliver(Deliver m, IActorRef self)
    {
        if (TryGet(m.To, out var session)) session.Tell(new Handed(m), ActorRefs.NoSender);
        else NodeAnswer.To(m.ReplyTo, new Delivered(m.Id, Codes.NotOnline, $"{m.To} is not online"), self);
    }
}
