using System.Net;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Wrong tokens are charged to the host the server's socket saw, not to the one a peer writes in its Akka handshake or
/// in a sender path: a real server with a token file, raw Akka peers on loopback, and a peer on a second host
/// (127.0.0.2, its connection leaving from that address through a <see cref="SourceRelay"/>; a host of its own under
/// <see cref="HostilePeer.LoopbackHostsApart"/>, which every server here runs with).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class PeerAddressSpecs : IDisposable
{
    private const string Secret = "correct-horse-battery-staple-9b1e";
    private readonly string _dir = Directory.CreateTempSubdirectory("sbpeer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Mode 0600: a secret readable by others is refused.
    private string TokenFile()
    {
        var path = Path.Combine(_dir, "token");
        File.WriteAllText(path, Secret + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    // A first penalty longer than the spec takes: nothing races the clock.
    private Task<ServerNode> PatientServerAsync()
    {
        var config = Path.Combine(_dir, "patient.hocon");
        File.WriteAllText(config, "switchboard.registration { first-penalty = 120s, max-penalty = 600s }\n" + HostilePeer.LoopbackHostsApart + "\n");
        return ServerNode.StartAsync(extra: ["--token-file", TokenFile(), "--config", config]);
    }

    private static Task<object> RegisterAsync(HostilePeer peer, ServerNode server, string name, string? token) =>
        peer.RegisterAsync(server, new Register(name, token));

    private static int CodeOf(object answer) => answer switch
    {
        Rejected r => r.Code,
        Registered => Codes.Ok,
        _ => throw new InvalidOperationException($"unexpected answer {answer}"),
    };

    [Fact]
    public async Task A_peer_claiming_another_host_cannot_have_it_penalised_and_bob_there_registers_with_the_right_token()
    {
        await using var server = await PatientServerAsync();
        var (relay, bob) = HostilePeer.On("127.0.0.2", server);
        using var _ = relay;
        using var __ = bob;
        // Mallory's socket is on 127.0.0.1; her handshake says 127.0.0.2.
        using var mallory = new HostilePeer("akka.remote.dot-netty.tcp { hostname = 127.0.0.1, public-hostname = 127.0.0.2 }");

        var codes = new List<int>();
        for (var i = 0; i < 5; i++) codes.Add(CodeOf(await RegisterAsync(mallory, server, $"m{i}", $"guess-{i}")));
        Assert.Equal([401, 401, 401, 429, 429], codes); // her own host waits

        // A Register in bob's name (his address as its sender) is dropped before Akka reads it; the next one of hers,
        // by the same association, is answered after it, so the forged one has been through the server by then.
        var bobsName = ((ExtendedActorSystem)mallory.System).Provider.ResolveActorRef(
            bob.Inbox.Receiver.Path.ToStringWithAddress(((ExtendedActorSystem)bob.System).Provider.DefaultAddress));
        mallory.At($"switchboard@{server.Address}", "/user/gateway").Tell(new Register("forged", "guess-f"), bobsName);
        Assert.Equal(429, CodeOf(await RegisterAsync(mallory, server, "m5", "guess-5")));

        Assert.IsType<Registered>(await RegisterAsync(bob, server, "bob", Secret));
        // The server logs asynchronously: wait for the line, no longer than a generous bound.
        await server.Process.WaitForStdErrAsync("dropped a selection of a client path", TimeSpan.FromSeconds(30));
        Assert.Contains("(socket host 127.0.0.1) naming sender akka.tcp://switchboard-client@127.0.0.2", server.Process.StdErr);
        Assert.DoesNotContain("'forged'", server.Process.StdErr);
    }

    [Fact]
    public async Task Claiming_many_hosts_from_one_socket_buys_no_more_guesses()
    {
        await using var server = await PatientServerAsync();
        var codes = new List<int>();
        for (var i = 3; i < 7; i++)
        {
            using var mallory = new HostilePeer($"akka.remote.dot-netty.tcp {{ hostname = 127.0.0.1, public-hostname = 127.0.0.{i} }}");
            codes.Add(CodeOf(await RegisterAsync(mallory, server, $"m{i}", $"guess-{i}")));
        }
        Assert.Equal([401, 401, 401, 429], codes);
        // The penalty is the socket host's: a client on the same machine waits too, even with the right token.
        await using var local = await ClientSession.StartAsync("local", server.Address, "--token-file", TokenFile());
        Assert.Equal(429, local.Registration.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Guessing_from_many_real_hosts_is_bounded_by_the_node_budget_and_known_clients_are_served_on()
    {
        var config = Path.Combine(_dir, "budget.hocon");
        // A node budget of 3 wrong tokens that does not refill while the spec runs: nothing races the clock.
        File.WriteAllText(config, "switchboard.registration { first-penalty = 120s, max-penalty = 600s, node-failure-burst = 3, node-failures-per-second = 0.0001 }\n"
            + HostilePeer.LoopbackHostsApart + "\n");
        await using var server = await ServerNode.StartAsync(extra: ["--token-file", TokenFile(), "--config", config]);
        var (bobRelay, bob) = HostilePeer.On("127.0.0.2", server);
        using var _ = bobRelay;
        using var __ = bob;
        Assert.IsType<Registered>(await RegisterAsync(bob, server, "bob", Secret));

        // Eight hosts, one guess each: no host reaches its own penalty, the node evaluates three guesses in all.
        var codes = new List<int>();
        for (var i = 10; i < 18; i++)
        {
            var (relay, mallory) = HostilePeer.On($"127.0.0.{i}", server);
            using (relay)
            using (mallory)
                codes.Add(CodeOf(await RegisterAsync(mallory, server, $"m{i}", $"guess-{i}")));
        }
        Assert.Equal([401, 401, 401, 429, 429, 429, 429, 429], codes);

        // A newcomer's token is not evaluated while the budget is spent, right or not; bob's host, known, is served.
        var (newRelay, newcomer) = HostilePeer.On("127.0.0.20", server);
        using (newRelay)
        using (newcomer)
            Assert.Equal(429, CodeOf(await RegisterAsync(newcomer, server, "newcomer", Secret)));
        Assert.IsType<Registered>(await RegisterAsync(bob, server, "bob2", Secret));
    }
}
