using System.Net;
using System.Net.Sockets;
using Google.Protobuf;

namespace Switchboard.Tests.Server.Security;

/// <summary>What a stranger writes on a bare socket: Akka's handshake, or the start of a frame it never finishes.</summary>
public static class RawAkka
{
    /// <summary>A socket connected to 127.0.0.1:<paramref name="port"/> (from <paramref name="source"/> if given) that
    /// has sent an Akka ASSOCIATE PDU claiming origin <c>switchboard-client@HOST:40000</c> and <paramref name="uid"/>; it
    /// stays open until disposed.</summary>
    public static async Task<Socket> HandshakeAsync(int port, string host, ulong uid, IPAddress? source = null)
    {
        var socket = await ConnectAsync(port, source);
        await socket.SendAsync(Associate(host, uid));
        return socket;
    }

    /// <summary>A socket connected to 127.0.0.1:<paramref name="port"/>, from <paramref name="source"/> if given.</summary>
    public static async Task<Socket> ConnectAsync(int port, IPAddress? source = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (source is not null) socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>DotNetty's length prefix for a frame of <paramref name="length"/> bytes and all of it but the last
    /// <paramref name="missing"/>: the decoder holds what came until the rest does.</summary>
    public static byte[] PartialFrame(int length, int missing) =>
        [.. BitConverter.GetBytes(length), .. new byte[length - missing]];

    // An Akka ASSOCIATE PDU (WireFormats.proto: AkkaProtocolMessage.instruction -> AkkaControlMessage), length-prefixed
    // as DotNetty's framing reads it.
    private static byte[] Associate(string host, ulong uid)
    {
        var address = Msg(w => { w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteString("switchboard-client");
            w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteString(host);
            w.WriteTag(3, WireFormat.WireType.Varint); w.WriteUInt32(40000);
            w.WriteTag(4, WireFormat.WireType.LengthDelimited); w.WriteString("tcp"); });
        var handshake = Msg(w => { w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteBytes(address);
            w.WriteTag(2, WireFormat.WireType.Fixed64); w.WriteFixed64(uid); });
        var control = Msg(w => { w.WriteTag(1, WireFormat.WireType.Varint); w.WriteUInt32(1);
            w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteBytes(handshake); });
        var pdu = Msg(w => { w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteBytes(control); });
        return [.. BitConverter.GetBytes(pdu.Length), .. pdu.ToByteArray()];
    }

    private static ByteString Msg(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var w = new CodedOutputStream(buffer);
        write(w);
        w.Flush();
        return ByteString.CopyFrom(buffer.ToArray());
    }
}
