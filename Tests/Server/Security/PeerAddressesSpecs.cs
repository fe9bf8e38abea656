using System.Text;
using Akka.Actor;
using Google.Protobuf;

namespace Switchboard.Tests.Server.Security;

/// <summary>The bookkeeping behind <see cref="PeerAddressTransport"/>: hosts as keys, live associations, PDU fields.</summary>
public sealed class PeerAddressesSpecs
{
    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2")]
    [InlineData("[::ffff:10.1.2.3]", "10.1.2.3")]
    [InlineData("[::1]", "::1")]
    [InlineData("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::7", "2001:db8:1:2::/64")]
    [InlineData("not-an-ip", "not-an-ip")]
    public void A_socket_host_is_keyed_by_its_ip_and_an_ipv6_one_by_its_64(string socketHost, string key) =>
        Assert.Equal(key, PeerAddresses.HostKey(socketHost));

    [Fact]
    public void An_origin_maps_to_the_socket_hosts_of_its_live_associations()
    {
        var peers = new PeerAddresses();
        var bob = new Address("akka.tcp", "c", "127.0.0.2", 4000);
        Assert.Null(peers.SocketHostOf(bob));
        Assert.True(peers.TryOpen(bob, "127.0.0.2", uid: 7));
        Assert.Equal("127.0.0.2", peers.SocketHostOf(bob));
        // The same actor system (uid) by another socket host: the two share a key of their own, neither is charged as the other.
        Assert.True(peers.TryOpen(bob, "127.0.0.1", uid: 7));
        Assert.Equal("127.0.0.1 + 127.0.0.2", peers.SocketHostOf(bob));
        peers.Closed(bob, "127.0.0.1");
        Assert.Equal("127.0.0.2", peers.SocketHostOf(bob));
        peers.Closed(bob, "127.0.0.2");
        Assert.Null(peers.SocketHostOf(bob));
    }

    [Fact]
    public void Another_actor_system_claiming_a_live_associations_origin_is_refused_and_takes_it_once_that_one_is_closed()
    {
        var peers = new PeerAddresses();
        var bob = new Address("akka.tcp", "c", "127.0.0.2", 4000);
        Assert.True(peers.TryOpen(bob, "127.0.0.2", uid: 7));
        Assert.False(peers.TryOpen(bob, "127.0.0.2", uid: 8));
        Assert.False(peers.TryOpen(bob, "127.0.0.9", uid: 8));
        Assert.Equal("127.0.0.2", peers.SocketHostOf(bob)); // the refused ones recorded nothing
        peers.Closed(bob, "127.0.0.2");
        Assert.True(peers.TryOpen(bob, "127.0.0.2", uid: 8)); // bob restarted on the same port
        Assert.False(peers.TryOpen(bob, "127.0.0.2", uid: 7));
    }

    [Fact]
    public void The_origin_of_a_handshake_is_read_from_its_pdu()
    {
        var origin = Msg((1, "switchboard-client"), (2, "127.0.0.2"), (3, 4711UL), (4, "tcp"));
        var handshake = Msg((1, origin), (2, new Fixed64(0x1234_5678_9abc_def0UL))); // the uid: fixed64 in WireFormats.proto
        var pdu = Msg((2, Msg((1, 1UL), (2, handshake))));
        Assert.Equal(new Address("tcp", "switchboard-client", "127.0.0.2", 4711), AkkaPdu.AssociateOrigin(pdu, out var uid));
        Assert.Equal(0x1234_5678_9abc_def0UL, uid);
        Assert.Null(AkkaPdu.AssociateOrigin(Msg((2, Msg((1, 3UL)))), out _)); // a heartbeat
        Assert.Null(AkkaPdu.AssociateOrigin(Msg((1, new byte[] { 1, 2, 3 })), out _)); // a payload
    }

    [Fact]
    public void A_selection_is_read_with_its_sender_and_exact_names()
    {
        static byte[] Step(ulong type, string name) => Msg((1, type), (2, name));
        var selection = Msg((1, Msg((1, new byte[] { 9 }), (2, 42UL))), (2, Step(2, "user")), (2, Step(2, "gateway")));
        var envelope = Msg((1, Msg((1, "akka.tcp://switchboard@127.0.0.1:4053/"))), (2, Msg((1, selection), (2, 6UL))),
            (4, Msg((1, "akka.tcp://c@127.0.0.2:4000/user/x"))));
        var pdu = Msg((1, Msg((2, envelope))));
        Assert.Equal(AkkaPdu.Kind.ToRoot | AkkaPdu.Kind.Selection, AkkaPdu.Addressing(pdu, out var sender, out var names));
        Assert.Equal("akka.tcp://c@127.0.0.2:4000/user/x", sender);
        Assert.Equal(["user", "gateway"], names);

        var wildcard = Msg((1, Msg((1, new byte[] { 9 }), (2, 42UL))), (2, Step(3, "*")));
        var wildPdu = Msg((1, Msg((2, Msg((2, Msg((1, wildcard), (2, 6UL))))))));
        Assert.Equal(AkkaPdu.Kind.Selection, AkkaPdu.Addressing(wildPdu, out sender, out names));
        Assert.Null(sender);
        Assert.Null(names);

        var direct = Msg((1, Msg((2, Msg((2, Msg((1, new byte[] { 1 }), (2, 42UL))))))));
        Assert.Equal(AkkaPdu.Kind.Other, AkkaPdu.Addressing(direct, out _, out _));
    }

    [Fact]
    public void Bytes_of_any_kind_are_read_without_an_exception()
    {
        var random = new Random(20261203);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            AkkaPdu.AssociateOrigin(bytes, out _);
            AkkaPdu.Addressing(bytes, out _, out _);
        }
    }

    // A protobuf message of the given fields: strings and bytes length-delimited, numbers as varints.
    private sealed record Fixed64(ulong Value);

    private static byte[] Msg(params (int Field, object Value)[] fields)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var (field, value) in fields)
        {
            switch (value)
            {
                case ulong n:
                    output.WriteTag(field, WireFormat.WireType.Varint);
                    output.WriteUInt64(n);
                    break;
                case Fixed64 f:
                    output.WriteTag(field, WireFormat.WireType.Fixed64);
                    output.WriteFixed64(f.Value);
                    break;
                case string s:
                    output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(Encoding.UTF8.GetBytes(s)));
                    break;
                case byte[] b:
                    output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(b));
                    break;
            }
        }
        output.Flush();
        return stream.ToArray();
    }
}
