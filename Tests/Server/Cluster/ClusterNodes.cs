using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// A real cluster-mode ActorServer bound to one loopback "host" (127.0.0.1, .2, .3: separate addresses, no shared
/// segment), with the given seeds. Stopped on dispose.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private ClusterNode(ChildProcess process, string host, int port, int clusterPort)
    {
        Process = process;
        Host = host;
        Port = port;
        ClusterPort = clusterPort;
    }

    public ChildProcess Process { get; }
    public string Host { get; }
    public int Port { get; }

    /// <summary>The node port (mutual TLS, the cluster secret): what seeds name.</summary>
    public int ClusterPort { get; }
    public string Address => $"{Host}:{Port}";
    public string ClusterAddress => $"{Host}:{ClusterPort}";

    public static Task<ClusterNode> StartAsync(string host, int port, int clusterPort, string seeds, params string[] extra) =>
        StartAsync(host, host, port, clusterPort, seeds, extra);

    /// <summary>Binds <paramref name="bind"/> (0.0.0.0 for every interface) and is known to others as <paramref name="host"/>.</summary>
    public static async Task<ClusterNode> StartAsync(string bind, string host, int port, int clusterPort, string seeds, params string[] extra)
    {
        string[] publicHost = bind == host ? [] : ["--public-host", host];
        var process = new ChildProcess(Binaries.Server, ["--cluster", "--host", bind, "--port", port.ToString(), "--cluster-port", clusterPort.ToString(), "--seeds", seeds,
            "--cluster-secret-file", ClusterSecret.File, .. publicHost, .. extra], redirectInput: false);
        try
        {
            // Printed once the node is Up in the cluster and holds a serverSeq range.
            await process.WaitForLineAsync(l => l.Contains($"listening on akka.tcp://switchboard@{host}:{port}"), TimeSpan.FromSeconds(90));
            return new ClusterNode(process, host, port, clusterPort);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>A free port on <paramref name="host"/> (chosen before start, since the seeds name it).</summary>
    public static int FreePort(string host) => FreePorts.Next(host);

    public Task<ClientSession> ConnectAsync(string name, params string[] extra) => ClientSession.StartAsync(name, Address, extra);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>The secret the specs' nodes share: one 0600 file in the temp folder, for this test run.</summary>
public static class ClusterSecret
{
    public const string Value = "specs-cluster-secret-0123456789";

    private static readonly Lazy<string> Path = new(() =>
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sb-cluster-secret-{Environment.ProcessId}");
        System.IO.File.WriteAllText(path, Value + "\n");
        if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    });

    public static string File => Path.Value;
}

/// <summary>Three nodes on 127.0.0.1, 127.0.0.2 and 127.0.0.3; the first two are the seeds.</summary>
public sealed class ThreeNodes : IAsyncDisposable
{
    public static readonly string[] Hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];
    private readonly ClusterNode?[] _nodes = new ClusterNode?[3];

    private readonly string[] _extra;

    private ThreeNodes(int[] ports, int[] clusterPorts, string[] extra)
    {
        _extra = extra;
        Ports = ports;
        ClusterPorts = clusterPorts;
        Seeds = $"{Hosts[0]}:{clusterPorts[0]},{Hosts[1]}:{clusterPorts[1]}";
    }

    public int[] Ports { get; }
    public int[] ClusterPorts { get; }
    public string Seeds { get; }

    public ClusterNode this[int i] => _nodes[i] ?? throw new InvalidOperationException($"node {i} is not running");

    /// <param name="extra">More options for every node (and its restarts), e.g. the store.</param>
    public static async Task<ThreeNodes> StartAsync(params string[] extra)
    {
        var cluster = new ThreeNodes([.. Hosts.Select(ClusterNode.FreePort)], [.. Hosts.Select(ClusterNode.FreePort)], extra);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(cluster.StartNodeAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or restarts) node <paramref name="i"/> on its host and port.</summary>
    public async Task<ClusterNode> StartNodeAsync(int i)
    {
        var node = await ClusterNode.StartAsync(Hosts[i], Ports[i], ClusterPorts[i], Seeds, _extra);
        _nodes[i] = node;
        return node;
    }

    /// <summary>kill -9: no shutdown, no leaving; the others must notice and down it.</summary>
    public async Task KillAsync(int i)
    {
        var node = this[i];
        node.Process.Signal(Posix.SIGKILL);
        await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await node.DisposeAsync();
        _nodes[i] = null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes)
            if (n is not null) await n.DisposeAsync();
    }
}
