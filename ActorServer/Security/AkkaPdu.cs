using System.Buffers.Binary;
using System.Text;
using Akka.Actor;

namespace Switchboard.Server.Security;

/// <summary>
/// The few fields of Akka.Remote's wire PDUs (WireFormats.proto, ContainerFormats.proto) that
/// <see cref="PeerAddressTransport"/> checks. Akka's own codec and message classes are internal, so the protobuf is
/// walked here directly: no copy, nothing built but the strings looked at. Anything not understood is left to Akka,
/// which refuses what it cannot decode.
/// </summary>
internal static class AkkaPdu
{
    // Akka's selection serializer (MessageContainerSerializer), which carries every ActorSelection.
    private const int SelectionSerializerId = 6;
    // Akka's system-message serializer (SystemMessageSerializer): a Watch or Unwatch is WatchData {watchee (1), watcher (2)}.
    private const int SystemMessageSerializerId = 22;
    private const ulong Associate = 1; // CommandType.ASSOCIATE
    private const ulong ChildName = 2; // Selection.PatternType.CHILD_NAME

    /// <summary>The origin a peer claims, and the uid of its actor system, when this PDU is its handshake (an ASSOCIATE
    /// control message).</summary>
    public static Address? AssociateOrigin(ReadOnlySpan<byte> pdu, out ulong uid)
    {
        uid = 0;
        // AkkaProtocolMessage.instruction (2) -> AkkaControlMessage {commandType (1), handshakeInfo (2)}
        if (!Field(pdu, 2, out var instruction)) return null;
        var fields = new ProtoReader(instruction);
        ulong command = 0;
        ReadOnlySpan<byte> handshake = default;
        var hasHandshake = false;
        while (fields.Next(out var number, out var value, out var bytes))
        {
            if (number == 1) command = value;
            else if (number == 2) { handshake = bytes; hasHandshake = true; }
        }
        if (command != Associate || !hasHandshake) return null;
        // AkkaHandshakeInfo {origin (1) -> AddressData {system (1), hostname (2), port (3), protocol (4)}, uid (2)}
        ReadOnlySpan<byte> origin = default;
        var hasOrigin = false;
        fields = new ProtoReader(handshake);
        while (fields.Next(out var number, out var value, out var bytes))
        {
            if (number == 1) { origin = bytes; hasOrigin = true; }
            else if (number == 2) uid = value;
        }
        if (!hasOrigin) return null;
        string? system = null, host = null, protocol = null;
        int? port = null;
        fields = new ProtoReader(origin);
        while (fields.Next(out var number, out var value, out var bytes))
        {
            switch (number)
            {
                case 1: system = Encoding.UTF8.GetString(bytes); break;
                case 2: host = Encoding.UTF8.GetString(bytes); break;
                case 3: port = (int)value; break;
                case 4: protocol = Encoding.UTF8.GetString(bytes); break;
            }
        }
        return system is null || host is null || protocol is null ? null : new Address(protocol, system, host, port);
    }

    /// <summary>What <see cref="Addressing"/> found a payload PDU to carry.</summary>
    [Flags]
    public enum Kind
    {
        Other = 0,
        /// <summary>A message for the root guardian: every selection (Akka sends it to the root it starts from), or one to
        /// the root itself. The root's is the only recipient path that ends with '/' (<c>akka.tcp://switchboard@host:port/</c>);
        /// a peer writing such a path for anything else gets the same check, which costs it nothing it could use.</summary>
        ToRoot = 1,
        /// <summary>An ActorSelection (Akka's selection serializer), wherever it is anchored.</summary>
        Selection = 2,
        /// <summary>A message whose sender's path does not start with the peer's own address (<c>home</c>): to be checked
        /// (parsed) against it.</summary>
        Elsewhere = 4,
    }

    /// <summary>
    /// What a payload PDU is addressed to, read in one pass over its envelope (every message a peer sends passes here):
    /// for a message to the root or a selection, its sender's path (null without one), and for a selection the names it
    /// selects (null when a step is not an exact child name, which the selection serializer refuses anyway). Nothing is
    /// decoded for any other message.
    /// </summary>
    /// <param name="home">The peer's own address and a '/' (UTF-8): a sender's path not starting with it is
    /// <see cref="Kind.Elsewhere"/>, and then decoded too. Empty: no sender is looked at but a root's or a selection's.</param>
    public static Kind Addressing(ReadOnlySpan<byte> pdu, out string? senderPath, out List<string>? names, ReadOnlySpan<byte> home = default)
    {
        senderPath = null;
        names = null;
        // AkkaProtocolMessage.payload (1) -> AckAndEnvelopeContainer.envelope (2) -> RemoteEnvelope
        if (!Field(pdu, 1, out var payload) || !Field(payload, 2, out var envelope)) return Kind.Other;
        ReadOnlySpan<byte> recipient = default, message = default, sender = default;
        bool hasRecipient = false, hasSender = false;
        var envelopeFields = new ProtoReader(envelope);
        while (envelopeFields.Next(out var number, out _, out var bytes))
        {
            if (number == 1) { recipient = bytes; hasRecipient = true; } // ActorRefData
            else if (number == 2) message = bytes; // Payload
            else if (number == 4) { sender = bytes; hasSender = true; } // ActorRefData
        }
        var kind = hasRecipient && Field(recipient, 1, out var path) && !path.IsEmpty && path[^1] == (byte)'/' ? Kind.ToRoot : Kind.Other;
        // Payload {message (1), serializerId (2)}
        ReadOnlySpan<byte> selection = default;
        ulong serializer = 0;
        var messageFields = new ProtoReader(message);
        while (messageFields.Next(out var number, out var value, out var bytes))
        {
            if (number == 1) selection = bytes;
            else if (number == 2) serializer = value;
        }
        if (serializer == SelectionSerializerId) kind |= Kind.Selection;
        ReadOnlySpan<byte> from = default;
        var hasFrom = hasSender && Field(sender, 1, out from);
        // A watch names who is told when the watchee ends (its watcher): that is its sender, whatever the envelope says.
        if (serializer == SystemMessageSerializerId && Field(selection, 2, out var watcher) && Field(watcher, 1, out var watcherPath) && !watcherPath.IsEmpty)
        {
            from = watcherPath;
            hasFrom = true;
        }
        if (hasFrom && !home.IsEmpty && !from.StartsWith(home)) kind |= Kind.Elsewhere;
        if (kind == Kind.Other) return kind;
        if (hasFrom) senderPath = Encoding.UTF8.GetString(from);
        if ((kind & Kind.Selection) != 0) names = Names(selection);
        return kind;
    }

    // SelectionEnvelope.pattern (2, repeated) -> Selection {type (1), matcher (2)}; null at a step that is not a child name.
    private static List<string>? Names(ReadOnlySpan<byte> selection)
    {
        var names = new List<string>();
        var selectionFields = new ProtoReader(selection);
        while (selectionFields.Next(out var number, out _, out var bytes))
        {
            if (number != 2) continue;
            ulong type = 0;
            string? matcher = null;
            var step = new ProtoReader(bytes);
            while (step.Next(out var n, out var v, out var b))
            {
                if (n == 1) type = v;
                else if (n == 2) matcher = Encoding.UTF8.GetString(b);
            }
            if (type != ChildName || matcher is null) return null;
            names.Add(matcher);
        }
        return names;
    }

    // The last occurrence of a length-delimited field (protobuf's rule for a repeated non-repeated field).
    private static bool Field(ReadOnlySpan<byte> message, int wanted, out ReadOnlySpan<byte> field)
    {
        field = default;
        var found = false;
        var fields = new ProtoReader(message);
        while (fields.Next(out var number, out _, out var bytes))
        {
            if (number != wanted) continue;
            field = bytes;
            found = true;
        }
        return found;
    }

    /// <summary>Protobuf's wire format, field by field: a varint's value, or a length-delimited field's bytes.</summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        /// <summary>False at the end, and at anything malformed (the rest is not read).</summary>
        public bool Next(out int number, out ulong value, out ReadOnlySpan<byte> bytes)
        {
            number = 0;
            value = 0;
            bytes = default;
            if (_rest.IsEmpty || !Varint(out var tag) || tag >> 3 is 0 or > int.MaxValue) return Stop();
            number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    return Varint(out value) || Stop();
                case 1:
                    if (_rest.Length < 8) return Stop();
                    value = BinaryPrimitives.ReadUInt64LittleEndian(_rest);
                    _rest = _rest[8..];
                    return true;
                case 2:
                    if (!Varint(out var length) || length > (ulong)_rest.Length) return Stop();
                    bytes = _rest[..(int)length];
                    _rest = _rest[(int)length..];
                    return true;
                case 5:
                    if (_rest.Length < 4) return Stop();
                    value = BinaryPrimitives.ReadUInt32LittleEndian(_rest);
                    _rest = _rest[4..];
                    return true;
                default:
                    return Stop();
            }
        }

        private bool Stop()
        {
            _rest = default;
            return false;
        }

        private bool Varint(out ulong value)
        {
            value = 0;
            for (var i = 0; i < 10 && i < _rest.Length; i++)
            {
                value |= (ulong)(_rest[i] & 0x7F) << (7 * i);
                if ((_rest[i] & 0x80) != 0) continue;
                _rest = _rest[(i + 1)..];
                return true;
            }
            return false;
        }
    }
}
