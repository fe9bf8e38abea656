using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// One of Akka's own serializers under its own id, writing as it does and reading only what <see cref="Admit"/>
/// accepts from a peer. A refusal is a <see cref="SerializationException"/>: Akka drops that one message.
/// </summary>
public abstract class InboundGuard(ExtendedActorSystem system, Serializer inner, int identifier) : Serializer(system)
{
    protected InboundRules Rules { get; } = InboundRules.Create(system.Settings.Config);

    public sealed override int Identifier => identifier;
    public sealed override bool IncludeManifest => inner.IncludeManifest;

    public sealed override byte[] ToBinary(object obj) => inner.ToBinary(obj);

    public sealed override object FromBinary(byte[] bytes, Type type)
    {
        if (!AcceptsType(type)) throw new SerializationException($"refused a peer's {type?.Name ?? "message without a type"}");
        if (RefusedUndecoded(bytes) is { } refused) throw new SerializationException($"refused a peer's {type?.Name ?? "message"}: {refused}");
        object message;
        try
        {
            message = inner.FromBinary(bytes, type!);
        }
        catch (SerializationException ex)
        {
            // E.g. a stranger's cluster messages inside a selection, in a serializer this side does not have: one short
            // refusal for the log, not Akka's advice on configuring serializers with a stack.
            var why = ex.Message.Length > 240 ? ex.Message[..240] + "..." : ex.Message;
            throw new SerializationException($"refused a peer's {type?.Name ?? "message"} this node cannot read: {why}");
        }
        return Admit(message) ?? throw new SerializationException($"refused a peer's {message?.GetType().Name ?? "message"}: {Why(message)}");
    }

    /// <summary>Checked before decoding, so a refused kind is never even built.</summary>
    protected virtual bool AcceptsType(Type? type) => true;

    /// <summary>Why these bytes are refused before the inner serializer decodes them (null: decode them).</summary>
    protected virtual string? RefusedUndecoded(byte[] bytes) => null;

    /// <summary>The message when a peer may send it, else null.</summary>
    protected abstract object? Admit(object message);

    protected virtual string Why(object? message) => "not accepted from a peer";
}
