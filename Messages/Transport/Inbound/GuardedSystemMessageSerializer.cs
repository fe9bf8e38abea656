using Akka.Actor;
using Akka.Dispatch.SysMsg;
using Akka.Remote;
using Akka.Remote.Serialization;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// Akka's system-message serializer (id 22), taking from peers only what remote DeathWatch needs: a remote actor
/// watching (or unwatching) one of this system's capability children, and the notice that a remote actor died.
/// Terminate, Create, Recreate, Suspend, Resume, Supervise and Failed from a peer are refused, as is a watch of any
/// other local actor (which would grow its watcher set at the peer's will).
/// </summary>
public sealed class GuardedSystemMessageSerializer(ExtendedActorSystem system) : InboundGuard(system, new SystemMessageSerializer(system), 22)
{
    protected override bool AcceptsType(Type? type) =>
        type == typeof(Watch) || type == typeof(Unwatch) || type == typeof(DeathWatchNotification);

    protected override object? Admit(object message) => message switch
    {
        Watch w when IsPeerWatchingCapability(w.Watchee, w.Watcher) => w,
        Unwatch u when IsPeerWatchingCapability(u.Watchee, u.Watcher) => u,
        DeathWatchNotification { Actor: RemoteActorRef } d => d,
        _ => null,
    };

    protected override string Why(object? message) => "a watch of a local actor it may not watch";

    private bool IsPeerWatchingCapability(IActorRef watchee, IActorRef watcher) =>
        watcher is RemoteActorRef && watchee is not RemoteActorRef && (Rules.IsCapabilityChild(watchee.Path) || Rules.IsClusterPath(watchee.Path));
}
