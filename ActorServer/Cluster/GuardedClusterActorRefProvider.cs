using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The cluster's provider with the same closed door as <see cref="GuardedRemoteActorRefProvider"/> (and the same
/// <see cref="InboundRecipientGuard"/> and bound on paths, <see cref="PeerStrings"/>): a local path a peer writes resolves to dead letters unless
/// <see cref="InboundRules"/> opens it. cluster.hocon opens, on top of the sessions, the cluster's own system actors
/// (membership, sharding, pub-sub, ddata) and the registry's inbox (a capability child); the registry, gateway
/// internals and rooms stay closed.
/// </summary>
public sealed class GuardedClusterActorRefProvider(string systemName, Akka.Actor.Settings settings, EventStream eventStream)
    : ClusterActorRefProvider(systemName, settings, eventStream), IRemoteActorRefProvider
{
    private readonly InboundRecipientGuard _guard = new();

    public override void Init(ActorSystemImpl system) => base.Init(_guard.Install(system));

    IInternalActorRef IRemoteActorRefProvider.ResolveActorRefWithLocalAddress(string path, Address localAddress) =>
        PeerStrings.IsPath(path) ? _guard.Filter(ResolveActorRefWithLocalAddress(path, localAddress), DeadLetters) : (IInternalActorRef)DeadLetters;

    IActorRef IActorRefProvider.ResolveActorRef(string path) => PeerStrings.IsPath(path) ? ResolveActorRef(path) : DeadLetters;
}
