using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using Akka.Remote;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// Akka.Remote's provider with a closed door: an inbound envelope names its recipient (and its sender) by a path the
/// peer wrote, and Akka resolves it to any local actor, <c>/system</c> ones included. Here a local path that
/// <see cref="InboundRules"/> does not open resolves to dead letters, so a stranger cannot stop, kill, watch or
/// message the registry, the rooms, a session whose name it does not hold, or Akka's own actors. The same applies to
/// a sender path naming one of this system's actors: a peer cannot make a local actor the "sender" of its message.
/// Payloads are checked by the guarded serializers (selections, system messages, deployment). A path longer than
/// <see cref="PeerStrings.MaxPath"/> resolves to dead letters before Akka parses or caches it, wherever a peer wrote it
/// (an envelope, or a reference inside a message: a watch, a reply address).
/// </summary>
public sealed class GuardedRemoteActorRefProvider(string systemName, Settings settings, EventStream eventStream)
    : RemoteActorRefProvider(systemName, settings, eventStream), IRemoteActorRefProvider
{
    private readonly InboundRecipientGuard _guard = new();

    public override void Init(ActorSystemImpl system) => base.Init(_guard.Install(system));

    // Akka calls this (through the interface) only for the recipient and sender paths of inbound envelopes.
    IInternalActorRef IRemoteActorRefProvider.ResolveActorRefWithLocalAddress(string path, Address localAddress) =>
        PeerStrings.IsPath(path) ? _guard.Filter(ResolveActorRefWithLocalAddress(path, localAddress), DeadLetters) : (IInternalActorRef)DeadLetters;

    // Serializers resolve the references inside a message (a watch's, a reply address) through the interface.
    IActorRef IActorRefProvider.ResolveActorRef(string path) => PeerStrings.IsPath(path) ? ResolveActorRef(path) : DeadLetters;
}
