using System.Net;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Accounts against a raw Akka.Remote peer: wrong passwords are charged to the host the server's socket saw, never to
/// the host a peer writes in its handshake: a peer cannot have another host penalised, nor slip its own guesses past
/// its own host's penalty; and one client's account commands cannot keep everyone's password checks busy.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class HostileAccountSpecs : IDisposable
{
    // Answers that wait on password hashes (~0.3 s each on a free core, queued behind each other and the box's load).
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-accounts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A first penalty longer than the spec takes: nothing races the clock.
    private Task<ServerNode> PatientServerAsync()
    {
        var config = Path.Combine(_dir, "patient.hocon");
        // Five account commands from one client in a row: past the per-client burst (3), which has its own spec.
        // Hosts of their own for 127.0.0.2 and 127.0.0.1 (HostilePeer.On): some specs here are about two hosts.
        File.WriteAllText(config, "switchboard.accounts { first-penalty = 120s, max-penalty = 600s, per-client.burst = 10 }\n" + HostilePeer.LoopbackHostsApart + "\n");
        return ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data"), "--config", config]);
    }

    private static Task<object> RegisterAsync(HostilePeer peer, ServerNode server, string name, string? password = null) =>
        peer.RegisterAsync(server, new Register(name, null, password));

    private static Task<int> CommandAsync(HostilePeer peer, IActorRef session, AccountCommand command) => AnswerAsync(peer, session, command, command.Id);

    private static Task<int> AnswerAsync(HostilePeer peer, IActorRef session, object message, long id) =>
        peer.AnswerAsync(session, message, id, Wait);

    // Each account command is a password hash: one client alternating reserve and release as fast as it can kept all
    // four of the node's password checks busy, and every other reserved name's login was answered 429.
    [Fact]
    public async Task A_client_flooding_account_commands_gets_one_at_a_time_and_a_few_and_others_still_log_in()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        using var flooder = new HostilePeer();
        var session = Assert.IsType<Registered>(await RegisterAsync(flooder, server, "flooder")).Session;
        // Eight at once: one goes to the accounts, the others are refused while it is answered.
        for (var i = 0; i < 8; i++) session.Tell(new AccountCommand(10 + i, i % 2 == 0 ? AccountAction.Reserve : AccountAction.Release, "flooders-password"), flooder.Inbox.Receiver);
        var answers = new List<IReply>();
        while (answers.Count < 8)
            if (await flooder.Inbox.ReceiveAsync(Wait.Scaled()) is IReply r && r.Id >= 10) answers.Add(r);
        Assert.Equal(7, answers.Count(r => r.Code == Codes.RateLimited && r.Error!.StartsWith("one account command at a time")));
        // One by one, past the burst: refused unevaluated.
        var codes = new List<int>();
        for (var i = 0; i < 3; i++) codes.Add(await CommandAsync(flooder, session, new AccountCommand(20 + i, i % 2 == 0 ? AccountAction.Release : AccountAction.Reserve, "flooders-password")));
        Assert.Equal(Codes.RateLimited, codes[^1]);

        // Everyone else's password checks are free: bob reserves his name at once.
        using var bobs = new HostilePeer();
        var bob = Assert.IsType<Registered>(await RegisterAsync(bobs, server, "bob"));
        Assert.Equal(Codes.Ok, await CommandAsync(bobs, bob.Session, new AccountCommand(2, AccountAction.Reserve, "bobs-own-password")));
    }

    [Fact]
    public async Task Wrong_passwords_are_charged_to_the_socket_host_not_the_host_a_peer_claims()
    {
        await using var server = await PatientServerAsync();
        var (relay, bob) = HostilePeer.On("127.0.0.2", server);
        using var _ = relay;
        using var __ = bob;
        // carol's name is reserved from 127.0.0.2, and she is away.
        var carol = Assert.IsType<Registered>(await RegisterAsync(bob, server, "carol"));
        Assert.Equal(Codes.Ok, await CommandAsync(bob, carol.Session, new AccountCommand(2, AccountAction.Reserve, "carols-own-password")));
        Assert.Equal(Codes.Ok, await AnswerAsync(bob, carol.Session, new Unregister(3), 3));
        // Mallory's socket is on 127.0.0.1; her handshake says 127.0.0.2, where bob really is. She guesses at carol's.
        using var mallory = new HostilePeer("akka.remote.dot-netty.tcp { hostname = 127.0.0.1, public-hostname = 127.0.0.2 }");
        var codes = new List<int>();
        for (var i = 0; i < 3; i++) codes.Add(Assert.IsType<Rejected>(await RegisterAsync(mallory, server, "carol", $"wrong-{i}")).Code);
        Assert.Equal([403, 403, 403], codes);

        // Bob, on 127.0.0.2, was not guessing: he registers with a password, which a penalised host could not.
        Assert.IsType<Registered>(await RegisterAsync(bob, server, "bob", "bobs-password"));
        // Her own host (the socket's) waits: a registration from it with a password is answered 429, unevaluated; a
        // guest's without one is no guess and goes through.
        using var again = new HostilePeer();
        Assert.Equal(Codes.RateLimited, Assert.IsType<Rejected>(await RegisterAsync(again, server, "mallory2", "a-guess")).Code);
        Assert.IsType<Registered>(await RegisterAsync(again, server, "mallory3"));
        // The server logs asynchronously: the line is waited for, then the one it must not have written is looked for.
        await server.Process.WaitForStdErrAsync("wrong password for 'carol' from 127.0.0.1", Wait);
        Assert.DoesNotContain("wrong password for 'carol' from 127.0.0.2", server.Process.StdErr);
    }

    // A hostile tester kept a reserved name's owner out for good by sending a wrong password for it now and then: the
    // penalty was the name's, for every host. The guesser's own address waits; the owner, elsewhere, gets in.
    [Fact]
    public async Task A_peer_guessing_at_a_name_waits_but_does_not_keep_its_owner_out()
    {
        await using var server = await PatientServerAsync();
        using var owner = new HostilePeer();
        var carol = Assert.IsType<Registered>(await RegisterAsync(owner, server, "carol"));
        Assert.Equal(Codes.Ok, await CommandAsync(owner, carol.Session, new AccountCommand(2, AccountAction.Reserve, "carols-own-password")));
        Assert.Equal(Codes.Ok, await AnswerAsync(owner, carol.Session, new Unregister(3), 3));
        // Mallory's socket is on 127.0.0.2: three wrong passwords, then her attempts wait (120 s), the right one too.
        var (relay, mallory) = HostilePeer.On("127.0.0.2", server);
        using var _ = relay;
        using var __ = mallory;
        var codes = new List<int>();
        for (var i = 0; i < 4; i++) codes.Add(Assert.IsType<Rejected>(await RegisterAsync(mallory, server, "carol", $"wrong-{i}")).Code);
        Assert.Equal([403, 403, 403, 429], codes);
        Assert.Equal(Codes.RateLimited, Assert.IsType<Rejected>(await RegisterAsync(mallory, server, "carol", "carols-own-password")).Code);

        // carol, from 127.0.0.1, with her password: in, while mallory waits.
        using var again = new HostilePeer();
        Assert.IsType<Registered>(await RegisterAsync(again, server, "carol", "carols-own-password"));
    }
}
