using Akka.Actor;

namespace Switchboard.Tests.Messages.Transport;

/// <summary>What a peer may name on a server and on a client.</summary>
public sealed class InboundRulesSpecs
{
    private static readonly InboundRules Server = new(["/user/gateway"], ["/system/remote-watcher"], ["/user/gateway"]);
    private static readonly InboundRules Client = new(["/user"], ["/system/remote-watcher"], []);

    private static ActorPath P(string path) => ActorPath.Parse("akka.tcp://switchboard@127.0.0.1:4053" + path);

    [Theory]
    [InlineData("/user/gateway/s-0123456789abcdef0123456789abcdef", true)] // a session, by its capability
    [InlineData("/system/remote-watcher", true)]
    [InlineData("/", true)]                                               // the root, where selections land
    [InlineData("/user/gateway", false)]                                  // only by a Register selection
    [InlineData("/user/state", false)]
    [InlineData("/user/rooms", false)]
    [InlineData("/user", false)]
    [InlineData("/system", false)]
    [InlineData("/system/endpointManager", false)]
    [InlineData("/system/endpointManager/reliableEndpointWriter-x", false)]
    [InlineData("/user/gateway/s-1/child", false)]
    [InlineData("/system/remote-watcher/x", false)]
    public void A_server_opens_sessions_heartbeats_and_the_root_only(string path, bool open) =>
        Assert.Equal(open, Server.IsOpenRecipient(P(path)));

    [Theory]
    [InlineData("/user/client-0123456789abcdef0123456789abcdef", true)]
    [InlineData("/system/remote-watcher", true)]
    [InlineData("/", true)] // selections of the remote watcher carrying a heartbeat only (checked on their payload)
    [InlineData("/user", false)]
    [InlineData("/system/endpointManager", false)]
    [InlineData("/user/client-1/x", false)]
    public void A_client_opens_its_actor_and_heartbeats_only(string path, bool open) =>
        Assert.Equal(open, Client.IsOpenRecipient(P(path)));

    [Fact]
    public void A_client_takes_selections_of_its_remote_watcher_only_and_never_a_registration_selection()
    {
        Assert.True(Client.IsOpenPathSelection(["system", "remote-watcher"]));
        Assert.False(Client.IsOpenPathSelection(["system", "remote-watcher", "x"]));
        Assert.False(Client.IsOpenPathSelection(["user"]));
        Assert.False(Client.IsAllowedSelection(["system", "remote-watcher"]));
    }

    [Theory]
    [InlineData(new[] { "user", "gateway" }, true)]
    [InlineData(new[] { "user", "gateway", "alice" }, false)]
    [InlineData(new[] { "user", "state" }, false)]
    [InlineData(new[] { "user" }, false)]
    [InlineData(new string[0], false)]
    public void Selections_name_exactly_an_allowed_path(string[] names, bool allowed) =>
        Assert.Equal(allowed, Server.IsAllowedSelection(names));

    [Fact]
    public void Capability_names_are_128_random_bits_and_never_repeat()
    {
        var names = Enumerable.Range(0, 1000).Select(_ => Capability.NewName("s-")).ToHashSet();
        Assert.Equal(1000, names.Count);
        Assert.All(names, n => Assert.Matches("^s-[0-9a-f]{32}$", n));
    }
}
