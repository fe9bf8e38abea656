using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Remote.Serialization;
using Akka.Serialization;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// Akka's misc serializer (id 16), taking from peers only identification and the remote watcher's heartbeats.
/// PoisonPill, Kill, Status (whose exceptions are built by a type name the peer writes), bare actor refs and every
/// deployment or router setting are refused: no peer stops, kills or deploys anything here.
/// </summary>
public sealed class GuardedMiscSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    // Identify, ActorIdentity, RemoteWatcher.Heartbeat, RemoteWatcher.HeartbeatRsp (MiscMessageSerializer's manifests).
    private static readonly HashSet<string> Accepted = new(StringComparer.Ordinal) { "ID", "AID", "RWHB", "RWHR" };

    private readonly MiscMessageSerializer _inner = new(system);

    public override int Identifier => 16;

    public override string Manifest(object o) => _inner.Manifest(o);

    public override byte[] ToBinary(object obj) => _inner.ToBinary(obj);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Accepted.Contains(manifest)) throw new SerializationException($"refused a peer's Akka message of kind '{manifest}'");
        // An Identify's (or ActorIdentity's) id is a message decoded first: a selection or another Identify there would
        // nest as deep as the frame allows (EnclosedPayload).
        if (manifest is "ID" or "AID" && EnclosedPayload.EnclosesContainer(bytes, identificationsToo: true))
            throw new SerializationException($"refused a peer's Akka message of kind '{manifest}' enclosing another container");
        return _inner.FromBinary(bytes, manifest);
    }
}
