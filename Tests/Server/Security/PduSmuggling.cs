using Akka.Actor;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// A test peer's transport adapter that re-encodes what its Akka writes without changing what Akka's own parser reads of
/// it: protobuf merges a singular embedded message written twice (the second's fields over the first's) and skips an
/// unknown group, so a PDU can say the same thing in bytes that a reader taking the last occurrence of a field, or
/// stopping at a group, reads differently. <c>switchboard-test.smuggle</c> names the edit:
/// <list type="bullet">
/// <item><c>repeated-origin</c>: the handshake's origin written again, empty, after the real one.</item>
/// <item><c>repeated-sender</c>: every envelope whose bytes hold <c>switchboard-test.smuggle-marker</c> followed by a
/// second, empty envelope holding only an empty sender.</item>
/// <item><c>group-before-envelope-fields</c>: an empty unknown group (field 15) before such an envelope's fields.</item>
/// </list>
/// </summary>
public sealed class SmugglingEgressProvider : ITransportAdapterProvider
{
    public Akka.Remote.Transport.Transport Create(Akka.Remote.Transport.Transport wrappedTransport, ExtendedActorSystem system) =>
        new Smuggling(wrappedTransport, system.Settings.Config.GetString("switchboard-test.smuggle"),
            system.Settings.Config.GetString("switchboard-test.smuggle-marker", "victim@"));

    private sealed class Smuggling(Akka.Remote.Transport.Transport wrapped, string edit, string marker) : DialingAdapter(wrapped)
    {
        private readonly byte[] _marker = global::System.Text.Encoding.UTF8.GetBytes(marker);

        public override async Task<AssociationHandle> Associate(Address remoteAddress)
        {
            var handle = await Wrapped.Associate(remoteAddress);
            return new WrappedHandle(handle, handle.RemoteAddress, payload => ByteString.CopyFrom(Edit(payload.ToByteArray())));
        }

        private byte[] Edit(byte[] pdu) => edit switch
        {
            // AkkaProtocolMessage.instruction (2) -> AkkaControlMessage.handshakeInfo (2) -> AkkaHandshakeInfo.origin (1)
            "repeated-origin" => Protobuf.EditField(pdu, 2, control => Protobuf.EditField(control, 2, handshake => [.. handshake, 0x0A, 0x00])),
            // AkkaProtocolMessage.payload (1) -> AckAndEnvelopeContainer: a second envelope (2) of one empty sender (4)
            "repeated-sender" when Holds(pdu) => Protobuf.EditField(pdu, 1, container => [.. container, 0x12, 0x02, 0x22, 0x00]),
            // ... -> AckAndEnvelopeContainer.envelope (2): field 15 as an empty group (start 0x7B, end 0x7C) first
            "group-before-envelope-fields" when Holds(pdu) => Protobuf.EditField(pdu, 1, container => Protobuf.EditField(container, 2, envelope => [0x7B, 0x7C, .. envelope])),
            _ => pdu,
        };

        private bool Holds(byte[] pdu) => pdu.AsSpan().IndexOf(_marker) >= 0;
    }
}

/// <summary>Protobuf's wire format, just enough to rewrite one length-delimited field of a message.</summary>
internal static class Protobuf
{
    /// <summary><paramref name="message"/> with the bytes of its first field <paramref name="number"/> (length-delimited)
    /// replaced by <paramref name="edit"/>'s, every other field as it was; unchanged without such a field.</summary>
    public static byte[] EditField(byte[] message, int number, Func<byte[], byte[]> edit)
    {
        var output = new List<byte>(message.Length + 16);
        var at = 0;
        var done = false;
        while (at < message.Length)
        {
            var start = at;
            var tag = Varint(message, ref at);
            switch (tag & 7)
            {
                case 0: Varint(message, ref at); break;
                case 1: at += 8; break;
                case 5: at += 4; break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (!done && (int)(tag >> 3) == number)
                    {
                        done = true;
                        var edited = edit(message[at..(at + length)]);
                        output.AddRange(message[start..(at - VarintLength((ulong)length))]);
                        WriteVarint(output, (ulong)edited.Length);
                        output.AddRange(edited);
                        at += length;
                        continue;
                    }
                    at += length;
                    break;
                default: return message; // groups: not written by Akka
            }
            output.AddRange(message[start..at]);
        }
        return [.. output];
    }

    private static ulong Varint(byte[] b, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var x = b[at++];
            value |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return value;
        }
    }

    private static int VarintLength(ulong v)
    {
        var n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    private static void WriteVarint(List<byte> output, ulong v)
    {
        while (v >= 0x80) { output.Add((byte)(v | 0x80)); v >>= 7; }
        output.Add((byte)v);
    }
}
