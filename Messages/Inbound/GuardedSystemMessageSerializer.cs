using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Dispatch.SysMsg;
using Akka.Remote;
using Akka.Remote.Serialization;
using Akka.Serialization;

namespace Switchboard.Messages.Inbound;

/// <summary>
/// Akka's system-message serializer (id 22), taking from peers only what remote DeathWatch needs: a remote actor
/// watching (or unwatching) one of this system's capability children, and the notice that a remote actor died.
/// Terminate, Create, Recreate, Suspend, Resume, Supervise and Failed from a peer are refused, as is a watch of any
/// other local actor (which would grow its watcher set at the peer's will).
/// </summary>
public sealed class GuardedSystemMessageSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private readonly SystemMessageSerializer _inner = new(system);
    private readonly InboundRules _rules = InboundRules.Create(system.Settings.Config);

    public override int Identifier => 22;
    public override bool IncludeManifest => _inner.IncludeManifest;

    public override byte[] ToBinary(object obj) => _inner.ToBinary(obj);

    public override object FromBinary(byte[] bytes, Type type)
    {
        if (type != typeof(Watch) && type != typeof(Unwatch) && type != typeof(DeathWatchNotification))
            throw new SerializationException($"refused a peer's system message {type?.Name ?? "(none)"}");
        var message = _inner.FromBinary(bytes, type);
        var allowed = message switch
        {
            Watch w => IsPeerWatchingCapability(w.Watchee, w.Watcher),
            Unwatch u => IsPeerWatchingCapability(u.Watchee, u.Watcher),
            DeathWatchNotification d => d.Actor is RemoteActorRef,
            _ => false,
        };
        return allowed ? message : throw new SerializationException($"refused a peer's {type.Name} of a local actor it may not watch");
    }

    private bool IsPeerWatchingCapability(IActorRef watchee, IActorRef watcher) =>
        watcher is RemoteActorRef && watchee is not RemoteActorRef && _rules.IsCapabilityChild(watchee.Path);
}
