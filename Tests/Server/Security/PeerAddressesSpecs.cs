using System.Net;
using System.Text;
using Akka.Actor;
using Google.Protobuf;

namespace Switchboard.Tests.Server.Security;

/// <summary>The bookkeeping behind <see cref="PeerAddressTransport"/>: hosts as keys, live associations, PDU fields.</summary>
public sealed class PeerAddressesSpecs
{
    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("[::ffff:10.1.2.3]", "10.1.2.3")]
    [InlineData("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::7", "2001:db8:1:2::/64")]
    [InlineData("not-an-ip", "not-an-ip")]
    public void By_default_a_remote_socket_host_is_keyed_by_its_ip_and_an_ipv6_one_by_its_64(string socketHost, string key) =>
        Assert.Equal(key, PeerAddresses.HostKey(socketHost, HostGrouping.Default));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("127.255.3.4")]
    [InlineData("[::1]")]
    [InlineData("::1")]
    [InlineData("[::ffff:127.0.0.3]")]
    public void Every_loopback_address_is_the_machine_itself(string socketHost) =>
        Assert.Equal("127.0.0.1", PeerAddresses.HostKey(socketHost, HostGrouping.Default));

    [Fact]
    public void Loopback_addresses_stay_apart_only_when_the_setting_is_off()
    {
        var apart = new HostGrouping(LoopbackIsOneHost: false);
        Assert.Equal(["127.0.0.2", "127.0.0.3", "::1", "127.0.0.4"],
            new[] { "127.0.0.2", "127.0.0.3", "[::1]", "[::ffff:127.0.0.4]" }.Select(h => PeerAddresses.HostKey(h, apart)));
    }

    [Fact]
    public void An_ipv4_address_is_keyed_by_its_24_when_so_configured()
    {
        var by24 = new HostGrouping(Ipv4Prefix: 24);
        Assert.Equal("203.0.113.0/24", PeerAddresses.HostKey("203.0.113.7", by24));
        Assert.Equal("203.0.113.0/24", PeerAddresses.HostKey("[::ffff:203.0.113.200]", by24));
        Assert.Equal("203.0.114.0/24", PeerAddresses.HostKey("203.0.114.7", by24)); // the next block is another host
        Assert.Equal("203.0.112.0/20", PeerAddresses.HostKey("203.0.127.255", new HostGrouping(Ipv4Prefix: 20)));
        Assert.Equal("127.0.0.1", PeerAddresses.HostKey("127.0.9.9", by24)); // loopback is still the machine
        Assert.Equal("2001:db8:1:2::/64", PeerAddresses.HostKey("2001:db8:1:2::7", by24)); // IPv6 by its own prefix
    }

    [Fact]
    public void An_ipv6_address_is_keyed_by_its_48_when_so_configured()
    {
        var by48 = new HostGrouping(Ipv6Prefix: 48);
        Assert.Equal("2001:db8:1::/48", PeerAddresses.HostKey("2001:db8:1:2::7", by48));
        Assert.Equal("2001:db8:1::/48", PeerAddresses.HostKey("[2001:db8:1:ffff:1:2:3:4]", by48));
        Assert.Equal("2001:db8:2::/48", PeerAddresses.HostKey("2001:db8:2::1", by48));
        Assert.Equal("2001:db8:1:2::7", PeerAddresses.HostKey("2001:db8:1:2::7", new HostGrouping(Ipv6Prefix: 128)));
        Assert.Equal("10.1.2.3", PeerAddresses.HostKey("10.1.2.3", by48));
    }

    // A local peer may bind the machine's own addresses (eth0's, a bridge's, link-local IPv6) and reach 127.0.0.1: each
    // was a host of its own (a retest's finding).
    [Fact]
    public void The_machines_own_addresses_are_the_machine_as_loopback_is()
    {
        var now = 0L;
        var own = new List<IPAddress> { IPAddress.Parse("192.0.2.2"), IPAddress.Parse("fe80::5054:ff:fe12:3456") };
        var peers = new PeerAddresses(HostGrouping.Default, new MachineAddresses(() => own.ToArray(), () => now));
        Assert.Equal("127.0.0.1", peers.HostKey("192.0.2.2"));
        Assert.Equal("127.0.0.1", peers.HostKey("[::ffff:192.0.2.2]"));
        Assert.Equal("127.0.0.1", peers.HostKey("[fe80::5054:ff:fe12:3456%2]"));
        Assert.Equal("192.0.2.3", peers.HostKey("192.0.2.3")); // a neighbour is another host
        // An address the machine takes later counts once its interfaces are read again (every 30 s).
        own.Add(IPAddress.Parse("172.17.0.1"));
        Assert.Equal("172.17.0.1", peers.HostKey("172.17.0.1"));
        now += 31_000;
        Assert.Equal("127.0.0.1", peers.HostKey("172.17.0.1"));
        // With loopback addresses apart (specs playing several hosts on one machine), so are the machine's own.
        var apart = new PeerAddresses(new HostGrouping(LoopbackIsOneHost: false), new MachineAddresses(() => own.ToArray(), () => now));
        Assert.Equal("192.0.2.2", apart.HostKey("192.0.2.2"));
    }

    [Fact]
    public void A_node_keys_hosts_by_its_settings()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString("switchboard.hosts { ipv4-prefix = 24, ipv6-prefix = 56, loopback-is-one-host = off }");
        var peers = new PeerAddresses(HostGrouping.Create(config));
        Assert.Equal("198.51.100.0/24", peers.HostKey("198.51.100.9"));
        Assert.Equal("2001:db8:0:100::/56", peers.HostKey("2001:db8:0:1ff::1"));
        Assert.Equal("127.0.0.0/24", peers.HostKey("127.0.0.5"));
    }

    [Theory]
    [InlineData("ipv4-prefix = 33, ipv6-prefix = 64, loopback-is-one-host = on")]
    [InlineData("ipv4-prefix = 8, ipv6-prefix = 64, loopback-is-one-host = on")]
    [InlineData("ipv4-prefix = 32, ipv6-prefix = 129, loopback-is-one-host = on")]
    [InlineData("ipv4-prefix = 32, ipv6-prefix = 0, loopback-is-one-host = on")]
    [InlineData("ipv4-prefix = 32, ipv6-prefix = 64")]
    [InlineData("ipv4-prefix = many, ipv6-prefix = 64, loopback-is-one-host = on")]
    public void A_bad_hosts_setting_is_a_start_error_naming_it(string settings)
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString($"switchboard.hosts {{ {settings} }}");
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => HostGrouping.Create(config));
        Assert.Contains("switchboard.hosts", error.Message);
    }

    [Fact]
    public void The_shipped_hosts_settings_are_the_defaults()
    {
        var shipped = ServerSettings.Load(null).Hosts;
        Assert.Equal(HostGrouping.Default, shipped);
        Assert.Equal((32, 64, true), (shipped.Ipv4Prefix, shipped.Ipv6Prefix, shipped.LoopbackIsOneHost));
    }

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
        Assert.Equal(new Address("tcp", "switchboard-client", "127.0.0.2", 4711), AkkaPdu.AssociateOrigin(pdu, out var uid, out _));
        Assert.Equal(0x1234_5678_9abc_def0UL, uid);
        Assert.Null(AkkaPdu.AssociateOrigin(Msg((2, Msg((1, 3UL)))), out _, out _)); // a heartbeat
        Assert.Null(AkkaPdu.AssociateOrigin(Msg((1, new byte[] { 1, 2, 3 })), out _, out _)); // a payload
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
    public void A_sender_or_a_watcher_away_from_the_peers_own_address_is_read_as_elsewhere()
    {
        var home = System.Text.Encoding.UTF8.GetBytes("akka.tcp://c@127.0.0.2:4000/");
        static byte[] Pdu(byte[] payload, ulong serializer, string? sender)
        {
            var recipient = Msg((1, "akka.tcp://switchboard@127.0.0.1:4053/system/remote-watcher"));
            var message = Msg((1, payload), (2, serializer));
            var envelope = sender is null ? Msg((1, recipient), (2, message)) : Msg((1, recipient), (2, message), (4, Msg((1, sender))));
            return Msg((1, Msg((2, envelope))));
        }
        Assert.Equal(AkkaPdu.Kind.Other, AkkaPdu.Addressing(Pdu([1], 16, "akka.tcp://c@127.0.0.2:4000/user/x"), out _, out _, home));
        Assert.Equal(AkkaPdu.Kind.Other, AkkaPdu.Addressing(Pdu([1], 16, null), out _, out _, home));
        Assert.Equal(AkkaPdu.Kind.Elsewhere, AkkaPdu.Addressing(Pdu([1], 16, "akka.tcp://victim@10.0.0.9:22/user/x"), out var sender, out _, home));
        Assert.Equal("akka.tcp://victim@10.0.0.9:22/user/x", sender);
        // A Watch (system messages, 22): WatchData {watchee (1), watcher (2)}; its watcher is its sender.
        static byte[] Watch(string watcher) => Msg((1, Msg((1, "akka.tcp://switchboard@127.0.0.1:4053/user/gateway/s-1"))), (2, Msg((1, watcher))));
        Assert.Equal(AkkaPdu.Kind.Other, AkkaPdu.Addressing(Pdu(Watch("akka.tcp://c@127.0.0.2:4000/system/remote-watcher"), 22, null), out _, out _, home));
        Assert.Equal(AkkaPdu.Kind.Elsewhere, AkkaPdu.Addressing(Pdu(Watch("akka.tcp://victim@10.0.0.9:22/user/x"), 22, null), out sender, out _, home));
        Assert.Equal("akka.tcp://victim@10.0.0.9:22/user/x", sender);
    }

    /// <summary>Protobuf merges a singular message field written twice and skips an unknown group: read as the last
    /// occurrence, or up to the group, an origin or a sender came out empty where Akka read the real one (hostile tester
    /// hA; <see cref="SmuggledPduSpecs"/>). Akka writes neither, so such a PDU is unreadable here, not guessed at.</summary>
    [Fact]
    public void A_field_written_twice_or_a_group_makes_the_pdu_unreadable()
    {
        var origin = Msg((1, "switchboard-client"), (2, "127.0.0.2"), (3, 4711UL), (4, "tcp"));
        var twice = Msg((2, Msg((1, 1UL), (2, Msg((1, origin), (2, new Fixed64(7UL)), (1, Array.Empty<byte>()))))));
        Assert.Null(AkkaPdu.AssociateOrigin(twice, out _, out var unreadable));
        Assert.True(unreadable);
        var portTwice = Msg((2, Msg((1, 1UL), (2, Msg((1, Msg((1, "c"), (2, "h"), (3, 1UL), (3, 2UL), (4, "tcp"))))))));
        Assert.Null(AkkaPdu.AssociateOrigin(portTwice, out _, out unreadable));
        Assert.True(unreadable);
        Assert.NotNull(AkkaPdu.AssociateOrigin(Msg((2, Msg((1, 1UL), (2, Msg((1, origin)))))), out _, out unreadable));
        Assert.False(unreadable);

        // The uid is a fixed64: written as a varint, Akka's parser skips it (uid 0) where a reader of field 2 took it.
        var uidAsVarint = Msg((2, Msg((1, 1UL), (2, Msg((1, origin), (2, 7UL))))));
        Assert.Null(AkkaPdu.AssociateOrigin(uidAsVarint, out _, out unreadable));
        Assert.True(unreadable);

        var home = System.Text.Encoding.UTF8.GetBytes("akka.tcp://c@127.0.0.2:4000/");
        var recipient = Msg((1, "akka.tcp://switchboard@127.0.0.1:4053/"));
        var message = Msg((1, new byte[] { 1 }), (2, 16UL));
        var sender = Msg((1, "akka.tcp://victim@10.0.0.9:22/user/x"));
        var envelope = Msg((1, recipient), (2, message), (4, sender));
        var senderTwice = Msg((1, Msg((2, envelope), (2, Msg((4, Array.Empty<byte>()))))));
        Assert.Equal(AkkaPdu.Kind.Unreadable, AkkaPdu.Addressing(senderTwice, out _, out _, home));
        var grouped = Msg((1, Msg((2, (byte[])[0x7B, 0x7C, .. envelope]))));
        Assert.Equal(AkkaPdu.Kind.Unreadable, AkkaPdu.Addressing(grouped, out _, out _, home));
        Assert.Equal(AkkaPdu.Kind.ToRoot | AkkaPdu.Kind.Elsewhere, AkkaPdu.Addressing(Msg((1, Msg((2, envelope)))), out _, out _, home));
        var senderAsVarint = Msg((1, Msg((2, Msg((1, recipient), (2, message), (4, 5UL))))));
        Assert.Equal(AkkaPdu.Kind.Unreadable, AkkaPdu.Addressing(senderAsVarint, out _, out _, home));
        // A DeathWatchNotification (22): {actor (1), existenceConfirmed (2, a varint), addressTerminated (3)}: readable.
        var notice = Msg((1, Msg((1, "akka.tcp://c@127.0.0.2:4000/user/x"))), (2, 1UL), (3, 0UL));
        var noticePdu = Msg((1, Msg((2, Msg((1, Msg((1, "akka.tcp://switchboard@127.0.0.1:4053/user/gateway/s-1"))), (2, Msg((1, notice), (2, 22UL))))))));
        Assert.Equal(AkkaPdu.Kind.Other, AkkaPdu.Addressing(noticePdu, out _, out _, home));
    }

    [Fact]
    public void Bytes_of_any_kind_are_read_without_an_exception()
    {
        var random = new Random(20261203);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            AkkaPdu.AssociateOrigin(bytes, out _, out _);
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
