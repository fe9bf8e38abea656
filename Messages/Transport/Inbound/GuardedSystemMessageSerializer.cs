using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Dispatch.SysMsg;
using Akka.Remote;
using Akka.Remote.Serialization;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// Akka's system-message serializer (id 22), taking from peers only what remote DeathWatch needs: a remote actor
/// watching (or unwatching) one of this system's capability children, and the notice that a remote actor died (on a
/// client-facing port only one of the sending peer's own actors: the server's transport drops one naming another's).
/// Terminate, Create, Recreate, Suspend, Resume, Supervise and Failed from a peer are refused, as is a watch of any
/// other local actor (which would grow its watcher set at the peer's will). A capability's own watchers are bounded too
/// (<see cref="MaxWatchesPerCapability"/>): each watch names a watcher, by a path the peer writes, that the watchee keeps
/// until it ends, and a guest watching its own session with ever new watchers grew the node for as long as it went (a
/// hostile tester's finding, <c>WatchBoundSpecs</c>). Not on a cluster's node port, whose peers are its members.
/// </summary>
public sealed class GuardedSystemMessageSerializer(ExtendedActorSystem system) : InboundGuard(system, new SystemMessageSerializer(system), 22)
{
    /// <summary>Watches of one capability peers may hold at once (its client holds one).</summary>
    public const int MaxWatchesPerCapability = 16;

    // The watchers peers have named for each live local capability (less those they unwatched): keyed by the actor's
    // ref, which a live actor's path always resolves to, and let go with it.
    private readonly ConditionalWeakTable<IActorRef, HashSet<IActorRef>> _watchers = new();

    protected override bool AcceptsType(Type? type) =>
        type == typeof(Watch) || type == typeof(Unwatch) || type == typeof(DeathWatchNotification);

    protected override object? Admit(object message) => message switch
    {
        Watch w when IsPeerWatchingCapability(w.Watchee, w.Watcher) && Counted(w.Watchee, w.Watcher, watch: true) => w,
        Unwatch u when IsPeerWatchingCapability(u.Watchee, u.Watcher) && Counted(u.Watchee, u.Watcher, watch: false) => u,
        DeathWatchNotification { Actor: RemoteActorRef } d => d,
        _ => null,
    };

    protected override string Why(object? message) => message is Watch
        ? $"a watch of a local actor it may not watch, or one watched by {MaxWatchesPerCapability} watchers already"
        : "a watch of a local actor it may not watch";

    // False when a watch would pass the bound. The node side's members watch its actors as the cluster needs.
    private bool Counted(IActorRef watchee, IActorRef watcher, bool watch)
    {
        if (Rules.HasClusterPrefixes) return true;
        var watchers = _watchers.GetValue(watchee, _ => []);
        lock (watchers)
        {
            if (!watch) watchers.Remove(watcher);
            return !watch || watchers.Contains(watcher) || (watchers.Count < MaxWatchesPerCapability && watchers.Add(watcher));
        }
    }

    private bool IsPeerWatchingCapability(IActorRef watchee, IActorRef watcher) =>
        watcher is RemoteActorRef && watchee is not RemoteActorRef && (Rules.IsCapabilityChild(watchee.Path) || Rules.IsClusterPath(watchee.Path));
}
