using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace Switchboard.Messages;

/// <summary>
/// Stands in for Akka's default JSON serializer (bound to <c>System.Object</c> and the <c>json</c> name in
/// hocon): a type without a registered serializer is refused instead of being written with embedded type
/// names, and a peer's JSON payload is never turned into objects.
/// </summary>
public sealed class RefusingSerializer : Serializer
{
    public RefusingSerializer(ExtendedActorSystem system) : base(system) { }

    // Akka constructs the serializer registered under the "json" name with its settings section.
    public RefusingSerializer(ExtendedActorSystem system, Akka.Configuration.Config _) : base(system) { }

    public override int Identifier => 4241;
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"{obj.GetType()} has no registered serializer; it may not cross the wire");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new SerializationException("payloads without a registered serializer are refused");
}
