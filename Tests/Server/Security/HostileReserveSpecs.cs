using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// Hostile tester (2026-12-06): (1) <c>reserves-per-host</c> is the only bound on how many names get reserved, and a
/// host was whatever source address a peer used: a local peer binds any of 127.0.0.0/8, so one peer reserved 10 names
/// per address, each kept for good. Every loopback address is one host now (<c>switchboard.hosts</c>; a remote peer
/// holding many addresses is the operator's <c>ipv4-prefix</c>); (2) fixed in stop 44: an
/// offline reserved name's inbox (<c>max-held</c> 1000) is exactly 10 reserved senders' shares (<c>max-held-from-one</c>
/// 100), so the 10 names one host may reserve at once filled anyone's inbox, and every other sender, reserved or not, was
/// answered 503 until its owner logged in. A full inbox now makes room for a newcomer at the expense of the sender
/// holding the most.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileReserveSpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-reserve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<List<IActorRef>> ReserveAsync(HostilePeer peer, ServerNode server, string prefix, int count) =>
        peer.ReserveAsync(server, prefix, count, "mallorys-password", Wait);

    [Fact]
    public async Task One_peer_reserves_no_more_than_one_hosts_budget_from_several_loopback_addresses()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        var reserved = 0;
        for (var ip = 2; ip <= 4; ip++)
        {
            var (relay, peer) = HostilePeer.On($"127.0.0.{ip}", server);
            using (relay)
            using (peer)
                reserved += (await ReserveAsync(peer, server, $"m{ip}x", 12)).Count;
        }
        output.WriteLine($"names reserved by one peer from 3 loopback addresses: {reserved}");
        Assert.True(reserved <= 10, $"one peer reserved {reserved} names");
    }

    [Fact]
    public async Task One_host_cannot_fill_someone_elses_offline_inbox_for_everyone()
    {
        // Mallory on 127.0.0.2 and alice and bob on 127.0.0.1 play two hosts: mallory's whole reservation budget is hers.
        var config = Path.Combine(_dir, "hosts.hocon");
        File.WriteAllText(config, HostilePeer.LoopbackHostsApart + "\n");
        await using var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data"), "--config", config]);
        var password = Path.Combine(_dir, "alice-password");
        File.WriteAllText(password, "down-the-rabbit-hole-42\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var alice = await server.ConnectAsync("alice", "--password-file", password))
            Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());

        var (relay, mallory) = HostilePeer.On("127.0.0.2", server);
        using var _ = relay;
        using var __ = mallory;
        var senders = await ReserveAsync(mallory, server, "spam", 10);
        Assert.Equal(10, senders.Count);
        var codes = new Dictionary<int, int>();
        foreach (var s in senders)
        {
            for (var i = 1; i <= 100; i++) s.Tell(new Tell(100 + i, "alice", "buy now"), mallory.Inbox.Receiver);
            for (var got = 0; got < 100;)
                if (await mallory.Inbox.ReceiveAsync(Wait.Scaled()) is Reply r && r.Id > 100)
                {
                    codes[r.Code] = codes.GetValueOrDefault(r.Code) + 1;
                    got++;
                }
        }
        output.WriteLine("mallory's answers: " + string.Join(", ", codes.Select(c => $"{c.Key}x{c.Value}")));

        // bob, a stranger to mallory on another address, leaves alice a message.
        await using var bob = await server.ConnectAsync("bob");
        var answer = await bob.SendAsync("tell alice are you there?");
        output.WriteLine("bob: " + answer);
        Assert.Equal(202, answer.GetProperty("code").GetInt32());
    }
}
