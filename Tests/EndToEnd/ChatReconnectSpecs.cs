using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.Tests.EndToEnd;

/// <summary>Chat clients come back under their names: after their node restarts, after the server gave up on a
/// stopped client, and after their node was stopped and resumed.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ChatReconnectSpecs
{
    [Fact]
    public async Task A_client_reconnects_under_its_name_after_its_node_restarts()
    {
        var segment = ServerNode.NewSegmentName();
        var port = FreePorts.Next();
        // Disposed again at the end (a no-op then): a failed wait below must not leave the first server running.
        await using var first = await ServerNode.StartAsync(segment, port);
        // The failure detector would take a minute here: a "disconnected" within 30 s can only come from the
        // dropped connection, which tells at once (the detector is only the backstop).
        var patient = Path.Combine(Path.GetTempPath(), $"sb-patient-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(patient, "akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 60s\n");
        await using var alice = await ClientSession.StartAsync("alice", first.Address, "--config", patient);
        File.Delete(patient);
        Assert.Equal(200, (await alice.SendAsync("prime 3")).GetProperty("code").GetInt32());

        first.Process.Signal(Posix.SIGKILL);
        await alice.Process.WaitForLineAsync(l => l.Contains("\"disconnected\""), TimeSpan.FromSeconds(30));
        await first.DisposeAsync();
        // Answered at once from what the client knows, not after its request timeout (also a 400, saying "no reply"):
        // the error tells them apart, not a short bound on a loaded box.
        var down = await alice.SendAsync("prime 5");
        Assert.Equal(400, down.GetProperty("code").GetInt32());
        Assert.DoesNotContain("no reply", down.GetProperty("error").GetString());

        await using var second = await ServerNode.StartAsync(segment, port);
        var back = JsonDocument.Parse(await alice.Process.WaitForLineAsync(l => l.Contains("\"reconnected\""), TimeSpan.FromSeconds(20))).RootElement;
        Assert.Equal(("alice", 1L), (back.GetProperty("name").GetString(), back.GetProperty("clientSeq").GetInt64()));
        var r = await alice.SendAsync("prime 7");
        Assert.Equal((200, 2L), (r.GetProperty("code").GetInt32(), r.GetProperty("clientSeq").GetInt64()));
    }

    [Fact]
    public async Task A_client_stopped_until_the_server_gave_up_on_it_comes_back_under_its_name()
    {
        await using var node = await ServerNode.StartAsync();
        await using var alice = await node.ConnectAsync("alice");
        Assert.Equal(200, (await alice.SendAsync("prime 3")).GetProperty("code").GetInt32());

        // Stopped past the failure detector: the server frees the name and quarantines the client's actor
        // system, which can never talk to it again. The client must come back through a fresh one.
        alice.Process.Signal(Posix.SIGSTOP);
        try
        {
            await node.Process.WaitForStdErrAsync("session of 'alice' ended", TimeSpan.FromSeconds(60));
        }
        finally
        {
            alice.Process.Signal(Posix.SIGCONT);
        }
        var back = JsonDocument.Parse(await alice.Process.WaitForLineAsync(l => l.Contains("\"reconnected\""), TimeSpan.FromSeconds(30))).RootElement;
        Assert.Equal(("alice", 1L), (back.GetProperty("name").GetString(), back.GetProperty("clientSeq").GetInt64()));
        var r = await alice.SendAsync("prime 7");
        Assert.True(r.GetProperty("code").GetInt32() == 200 && r.GetProperty("clientSeq").GetInt64() == 2, alice.Process.StdOut);
    }

    [Fact]
    public async Task Clients_come_back_under_their_names_after_their_node_was_stopped_and_resumed()
    {
        await using var node = await ServerNode.StartAsync();
        await using var alice = await node.ConnectAsync("alice");

        // Both sides' failure detectors fire: the client quarantines the node's actor system (same one after resume).
        node.Process.Signal(Posix.SIGSTOP);
        try
        {
            await alice.Process.WaitForLineAsync(l => l.Contains("\"disconnected\""), TimeSpan.FromSeconds(60));
        }
        finally
        {
            node.Process.Signal(Posix.SIGCONT);
        }
        await alice.Process.WaitForLineAsync(l => l.Contains("\"reconnected\""), TimeSpan.FromSeconds(30));
        var r = await alice.SendAsync("prime 7");
        Assert.Equal((200, 2L), (r.GetProperty("code").GetInt32(), r.GetProperty("clientSeq").GetInt64()));
    }
}
