using Akka.Actor;

namespace Switchboard.Server.Sessions;

/// <summary>
/// A session's way to a client of another node that does not pass the registry (cluster mode's <c>NodeDirectory</c>);
/// a single-host node has none, and its sessions ask the registry.
/// </summary>
public interface IRemoteDelivery
{
    /// <summary>Sends the DM to the node that serves <paramref name="to"/>; its answer reaches <paramref name="session"/>
    /// as a <see cref="Delivered"/> with <paramref name="id"/> (a 503 at once, nothing sent, when that node's link is full).
    /// False, with nothing sent, when no node is known here to serve <paramref name="to"/> (the registry decides then).</summary>
    bool TrySend(IActorRef session, long id, string from, string to, string text, long msgId, long timeMs);
}
