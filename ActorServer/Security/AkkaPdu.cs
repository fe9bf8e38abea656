using System.Buffers.Binary;
using System.Text;
using Akka.Actor;

namespace Switchboard.Server.Security;

/// <summary>
/// The few fields of Akka.Remote's wire PDUs (WireFormats.proto, ContainerFormats.proto) that
/// <see cref="PeerAddressTransport"/> checks. Akka's own codec and message classes are internal, so the protobuf is
/// walked here directly: no copy, nothing built but the strings looked at. What is read must be what Akka's protobuf
/// parser reads: that parser merges a singular message field written twice (the second's fields over the first's) and
/// skips unknown groups, so a field read here that occurs twice, or bytes this reader cannot walk to their end, make the
/// PDU unreadable here (never written by Akka) and it is refused, not guessed at: a handshake whose origin was written
/// again, empty, read as no handshake and left its association unchecked, and a sender written again, empty, as none
/// (a hostile tester's finding, <c>SmuggledPduSpecs</c>).
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
    /// <param name="unreadable">Set when the PDU is not read here as Akka would read it (a field read here written twice,
    /// bytes that do not parse): then null, whatever Akka would make of it.</param>
    public static Address? AssociateOrigin(ReadOnlySpan<byte> pdu, out ulong uid, out bool unreadable)
    {
        uid = 0;
        unreadable = false;
        // AkkaProtocolMessage.instruction (2) -> AkkaControlMessage {commandType (1), handshakeInfo (2)}
        if (!Field(pdu, 2, out var instruction, ref unreadable)) return null;
        var fields = new ProtoReader(instruction);
        ulong command = 0;
        ReadOnlySpan<byte> handshake = default;
        var hasHandshake = false;
        var seen = 0UL;
        while (fields.Next(out var number, out var value, out var bytes))
        {
            if (number == 1) command = value;
            else if (number == 2) { handshake = bytes; hasHandshake = true; }
            unreadable |= Odd(ref seen, number, fields.WireType, " 02");
        }
        unreadable |= fields.Broken;
        if (unreadable || command != Associate || !hasHandshake) return null;
        // AkkaHandshakeInfo {origin (1) -> AddressData {system (1), hostname (2), port (3), protocol (4)}, uid (2)}
        ReadOnlySpan<byte> origin = default;
        var hasOrigin = false;
        fields = new ProtoReader(handshake);
        seen = 0;
        while (fields.Next(out var number, out var value, out var bytes))
        {
            if (number == 1) { origin = bytes; hasOrigin = true; }
            else if (number == 2) uid = value;
            unreadable |= Odd(ref seen, number, fields.WireType, " 21");
        }
        unreadable |= fields.Broken;
        if (unreadable || !hasOrigin) return null;
        string? system = null, host = null, protocol = null;
        int? port = null;
        fields = new ProtoReader(origin);
        seen = 0;
        while (fields.Next(out var number, out var value, out var bytes))
        {
            switch (number)
            {
                case 1: system = Encoding.UTF8.GetString(bytes); break;
                case 2: host = Encoding.UTF8.GetString(bytes); break;
                case 3: port = (int)value; break;
                case 4: protocol = Encoding.UTF8.GetString(bytes); break;
            }
            unreadable |= Odd(ref seen, number, fields.WireType, " 2202");
        }
        unreadable |= fields.Broken;
        return unreadable || system is null || host is null || protocol is null ? null : new Address(protocol, system, host, port);
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
        /// <summary>Not read here as Akka would read it (a field read here written twice, bytes that do not parse): Akka
        /// never writes such a PDU, and what it would make of it is not what was checked.</summary>
        Unreadable = 8,
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
        var unreadable = false;
        // AkkaProtocolMessage.payload (1) -> AckAndEnvelopeContainer.envelope (2) -> RemoteEnvelope
        if (!Field(pdu, 1, out var payload, ref unreadable) || !Field(payload, 2, out var envelope, ref unreadable))
            return unreadable ? Kind.Unreadable : Kind.Other;
        ReadOnlySpan<byte> recipient = default, message = default, sender = default;
        bool hasRecipient = false, hasSender = false;
        var envelopeFields = new ProtoReader(envelope);
        var seen = 0UL;
        while (envelopeFields.Next(out var number, out _, out var bytes))
        {
            if (number == 1) { recipient = bytes; hasRecipient = true; } // ActorRefData
            else if (number == 2) message = bytes; // Payload
            else if (number == 4) { sender = bytes; hasSender = true; } // ActorRefData
            unreadable |= Odd(ref seen, number, envelopeFields.WireType, " 22-2");
        }
        unreadable |= envelopeFields.Broken;
        var kind = hasRecipient && Field(recipient, 1, out var path, ref unreadable) && !path.IsEmpty && path[^1] == (byte)'/' ? Kind.ToRoot : Kind.Other;
        // Payload {message (1), serializerId (2)}
        ReadOnlySpan<byte> selection = default;
        ulong serializer = 0;
        var messageFields = new ProtoReader(message);
        seen = 0;
        while (messageFields.Next(out var number, out var value, out var bytes))
        {
            if (number == 1) selection = bytes;
            else if (number == 2) serializer = value;
            unreadable |= Odd(ref seen, number, messageFields.WireType, " 20");
        }
        unreadable |= messageFields.Broken;
        if (serializer == SelectionSerializerId) kind |= Kind.Selection;
        ReadOnlySpan<byte> from = default;
        var hasFrom = hasSender && Field(sender, 1, out from, ref unreadable);
        // A watch names who is told when the watchee ends (its watcher): that is its sender, whatever the envelope says.
        // (A DeathWatchNotification's field 2 is a flag, a varint: no watcher.)
        if (serializer == SystemMessageSerializerId && Field(selection, 2, out var watcher, ref unreadable, lengthDelimitedOnly: true)
            && Field(watcher, 1, out var watcherPath, ref unreadable) && !watcherPath.IsEmpty)
        {
            from = watcherPath;
            hasFrom = true;
        }
        // Any other system message naming an actor first (a DeathWatchNotification's dead actor; the rest are refused by
        // the serializer anyway) speaks for that actor: a peer's notice that another client's actor died ended that
        // client's session, the remote watcher passing it on to the session watching it (DeathNoticeSpecs).
        else if (serializer == SystemMessageSerializerId && Field(selection, 1, out var subject, ref unreadable, lengthDelimitedOnly: true)
            && Field(subject, 1, out var subjectPath, ref unreadable) && !subjectPath.IsEmpty)
        {
            from = subjectPath;
            hasFrom = true;
        }
        if (unreadable) return Kind.Unreadable;
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

    // The one occurrence of a length-delimited field. Written twice, protobuf would merge the two (for a message field)
    // and this reader would not: unreadable, as are bytes that do not parse to their end and the field under another wire
    // type (which Akka's parser skips as unknown), unless lengthDelimitedOnly: then only those are looked at.
    private static bool Field(ReadOnlySpan<byte> message, int wanted, out ReadOnlySpan<byte> field, scoped ref bool unreadable,
        bool lengthDelimitedOnly = false)
    {
        field = default;
        var found = false;
        var fields = new ProtoReader(message);
        while (fields.Next(out var number, out _, out var bytes))
        {
            if (number != wanted || (lengthDelimitedOnly && fields.WireType != 2)) continue;
            unreadable |= found || fields.WireType != 2;
            field = bytes;
            found = true;
        }
        unreadable |= fields.Broken;
        return found;
    }

    // Is a field read here written twice, or with another wire type than Akka's (whose parser skips it as unknown, where
    // this one would read it)? wireTypes holds the expected wire type of each field number read here (a digit, '-' for
    // one not read); marks the field seen.
    private static bool Odd(ref ulong seen, int number, int wireType, string wireTypes)
    {
        if (number >= wireTypes.Length || wireTypes[number] is not (>= '0' and <= '5')) return false;
        var bit = 1UL << number;
        var odd = (seen & bit) != 0 || wireType != wireTypes[number] - '0';
        seen |= bit;
        return odd;
    }

    /// <summary>Protobuf's wire format, field by field: a varint's value, or a length-delimited field's bytes.</summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        /// <summary>The wire type of the field <see cref="Next"/> read last.</summary>
        public int WireType { get; private set; }

        /// <summary>Stopped before the end, at something malformed or not read here (a group: Akka writes none).</summary>
        public bool Broken { get; private set; }

        /// <summary>False at the end, and at anything malformed (the rest is not read, and <see cref="Broken"/> is set).</summary>
        public bool Next(out int number, out ulong value, out ReadOnlySpan<byte> bytes)
        {
            number = 0;
            value = 0;
            bytes = default;
            if (_rest.IsEmpty) return false;
            if (!Varint(out var tag) || tag >> 3 is 0 or > int.MaxValue) return Stop();
            number = (int)(tag >> 3);
            WireType = (int)(tag & 7);
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
            Broken = true;
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
