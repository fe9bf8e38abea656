using Akka.Actor;
using Akka.Configuration;
using Switchboard.Messages;
using Switchboard.Tests.Support;

namespace Switchboard.Tests.EndToEnd;

/// <summary>A client that skips the real client's rules: raw Akka.Remote messages at a real server.</summary>
[Collection(ProcessCollection.Name)]
public sealed class HostileClientSpecs
{
    [Fact]
    public async Task A_foreign_system_can_neither_forge_deliveries_nor_use_another_clients_session()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        var config = ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.remote.dot-netty.tcp.maximum-frame-size = 1000000b")
            .WithFallback(SwitchboardConfig.Load(Path.Combine(Path.GetDirectoryName(Binaries.Client)!, "hocon", "client.hocon")));
        using var mallory = ActorSystem.Create("switchboard-client", config);
        var inbox = Inbox.Create(mallory);
        var root = $"akka.tcp://switchboard@{server.Address}/user/gateway";

        // A forged delivery "from bob" straight to the gateway: refused, alice sees nothing.
        mallory.ActorSelection(root).Tell(new Deliver(1, "bob", "alice", "forged", inbox.Receiver), inbox.Receiver);
        // A request through alice's session: 401.
        mallory.ActorSelection($"{root}/alice").Tell(new Request(2, "add", ["1", "1"]), inbox.Receiver);
        var reply = (Reply)await inbox.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((2L, Codes.Unauthorized), (reply.Id, reply.Code));
        // An overlong name: 422, no claim.
        mallory.ActorSelection(root).Tell(new Register(new string('x', 1000)), inbox.Receiver);
        Assert.Equal(Codes.Invalid, ((Rejected)await inbox.ReceiveAsync(TimeSpan.FromSeconds(10))).Code);
        // A frame past the server's bound (this sender raised its own): the server drops it, and keeps serving.
        mallory.ActorSelection(root).Tell(new Register(new string('x', 200_000)), inbox.Receiver);
        await Task.Delay(500);

        var r = await alice.SendAsync("prime 2");
        Assert.Equal(200, r.GetProperty("code").GetInt32());
        Assert.DoesNotContain("forged", alice.Process.StdOut);
        await mallory.Terminate();
    }
}
