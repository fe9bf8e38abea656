using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// What a peer writes into Akka.Remote's own fields (its handshake's origin, the paths of its envelopes and references)
/// is bounded before Akka keeps it: a stranger's 400 KB host names and sender paths made a node hold gigabytes, and
/// filled its log at megabytes a second.
/// </summary>
public sealed class PeerStringSpecs
{
    private const string Peer = "akka.tcp://switchboard-client@127.0.0.1:1/user/";

    [Fact]
    public async Task A_path_past_the_bound_resolves_to_dead_letters_wherever_a_peer_wrote_it()
    {
        var config = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }")
            .WithFallback(SwitchboardConfig.Load(Path.Combine(Path.GetDirectoryName(Binaries.Client)!, "hocon", "client.hocon")));
        var system = ActorSystem.Create("switchboard-client", config);
        try
        {
            var provider = ((ExtendedActorSystem)system).Provider;
            var remote = (IRemoteActorRefProvider)provider;
            var longest = Peer + new string('a', PeerStrings.MaxPath - Peer.Length);
            var tooLong = longest + "a";
            // An envelope's recipient or sender, and a reference inside a message (a watch, a reply address).
            Assert.IsType<RemoteActorRef>(remote.ResolveActorRefWithLocalAddress(longest, provider.DefaultAddress));
            Assert.Same(provider.DeadLetters, remote.ResolveActorRefWithLocalAddress(tooLong, provider.DefaultAddress));
            Assert.IsType<RemoteActorRef>(provider.ResolveActorRef(longest));
            Assert.Same(provider.DeadLetters, provider.ResolveActorRef(tooLong));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Theory]
    [InlineData("switchboard-client", "127.0.0.1", "tcp", true)]
    [InlineData("switchboard", "node-7.example.org", "ssl.tcp", true)]
    [InlineData("switchboard-client", "[::1]", "tcp", true)]
    [InlineData("switchboard-client", "fe80::1%eth0", "tcp", true)]
    [InlineData("switchboard-client", "evil\u001b]0;owned\u0007\rhost", "tcp", false)]
    [InlineData("switchboard-client", "a host", "tcp", false)]
    [InlineData("switchboard-client", "", "tcp", false)]
    [InlineData("switch\nboard", "127.0.0.1", "tcp", false)]
    [InlineData("-switchboard", "127.0.0.1", "tcp", false)]
    [InlineData("switchboard", "127.0.0.1", "tcp\r", false)]
    public void An_origin_is_an_actor_systems_address_or_refused(string system, string host, string protocol, bool ok) =>
        Assert.Equal(ok, PeerStrings.OriginError(system, host, protocol) is null);

    [Fact]
    public void An_origin_past_the_bounds_is_refused_without_quoting_it()
    {
        var host = new string('h', PeerStrings.MaxHost + 1);
        var error = PeerStrings.OriginError("switchboard-client", host, "tcp");
        Assert.NotNull(error);
        Assert.DoesNotContain("hhh", error);
        Assert.Null(PeerStrings.OriginError("switchboard-client", host[1..], "tcp"));
        Assert.NotNull(PeerStrings.OriginError(new string('s', PeerStrings.MaxSystem + 1), "127.0.0.1", "tcp"));
    }
}

/// <summary>A stranger's handshake claiming an origin no actor system has: refused before Akka keeps it, the log
/// quoting none of it, and the node serving its clients on.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class HostileOriginSpecs
{
    [Fact]
    public async Task A_handshake_whose_origin_is_no_address_is_refused_and_the_node_serves_on()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        // A host name of 4,000 characters, and one carrying a terminal's escapes and a carriage return (a forged log line).
        string[] hosts = [new string('h', 4000), @"evil\u001b]0;owned\u0007\r12:00:00.000 info: gateway[0] registered 'admin'"];
        for (var i = 0; i < hosts.Length; i++)
        {
            using var mallory = new HostilePeer($"akka.remote.dot-netty.tcp {{ hostname = 127.0.0.1, public-hostname = \"{hosts[i]}\" }}");
            mallory.At($"switchboard@{server.Address}", "/user/gateway").Tell(new Register($"mallory{i}"), mallory.Inbox.Receiver);
            var n = i + 1;
            await Eventually.HoldsAsync(() => Regex.Matches(server.Process.StdErr, "refused the association from 127.0.0.1: its handshake's origin").Count >= n,
                TimeSpan.FromSeconds(30), () => "the refusal of the handshake, in:\n" + server.Process.StdErr[^Math.Min(2000, server.Process.StdErr.Length)..]);
            Assert.Empty(mallory.Drain(TimeSpan.FromMilliseconds(300)).OfType<Registered>());
        }
        var log = server.Process.StdErr;
        Assert.DoesNotContain("mallory", log);
        Assert.DoesNotContain("\u001b", log);
        Assert.DoesNotContain(new string('h', 256), log);
        Assert.Equal(200, (await alice.SendAsync("prime 7")).GetProperty("code").GetInt32());
    }
}
