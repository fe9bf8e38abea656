namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// A single-host node reads its sockets on one .NET socket thread: with completions inline .NET would start one per
/// core, and each would only hand its share of the reads to the node's one event loop, a thread more to wake
/// (Benchmarks/README.md, stop 50).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class SocketThreadSpecs
{
    [Fact]
    public async Task A_single_host_node_with_clients_connected_has_one_socket_thread()
    {
        await using var server = await ServerNode.StartAsync();
        await using var alice = await server.ConnectAsync("alice");
        await using var bob = await server.ConnectAsync("bob");
        var names = Directory.GetDirectories($"/proc/{server.Process.Pid}/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); } catch (IOException) { return ""; } })
            .ToList();
        Assert.Single(names, n => n.StartsWith(".NET Sockets", StringComparison.Ordinal));
    }
}
