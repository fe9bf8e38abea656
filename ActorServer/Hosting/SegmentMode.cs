using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Hosting;

/// <summary>
/// A single-host node: the registry is <see cref="RegistryActor"/> over the segment (<see cref="SegmentBackend"/>) on <c>/dev/shm/&lt;segment&gt;</c>, its
/// lock, and a door the segment's other nodes reach this node by. The segment belongs to the host, not to an actor
/// that may fail: opened before Akka starts, freed (this node's rows, the file by the last node) once Akka is gone.
/// </summary>
public sealed class SegmentMode(ServerOptions o) : INodeMode
{
    private SharedSegmentStore? _store;

    public string? DoorName { get; private set; }

    public Task WhenReady => Task.CompletedTask;

    public Task WhenGone { get; } = new TaskCompletionSource().Task;

    public NodeAddress? Resolve()
    {
        if (StartChecks.Problem(o) is { } problem) return NodeWiring.Refuse(problem);
        // A host name becomes the address it resolves to, as clients resolve theirs: "localhost" and
        // "127.0.0.1" then name the same node (Akka.Remote drops messages sent to another spelling).
        var host = SwitchboardConfig.CanonicalHost(o.Host);
        if (!System.Net.IPAddress.TryParse(host, out _))
            return NodeWiring.Refuse($"--host '{host}' does not resolve to an address of this machine; give an IP (e.g. 127.0.0.1) or a known name");
        if (StartChecks.NotBindable(host, "--host") is { } unbindable) return NodeWiring.Refuse(unbindable);
        // The node's address is its identity in the segment, so it is fixed before anything starts: a segment
        // that must be refused is then refused before remoting listens, with one clear line.
        var port = o.Port == 0 ? StartChecks.FreePort(host) : o.Port;
        return new NodeAddress(host, host, port, [(port, "--port")]);
    }

    public void Configure(ServerSettings settings) { }

    public bool KeepsData => true;

    public IDataStore? Store => null;

    public (IActorRef? Accounts, HistoryDesk? History) StartStore(ActorSystem system, DataStore? data, HistoryKeeperLock? keeper, SwitchboardMetrics metrics,
        IActorRef registry) =>
        system.StartStore(data, metrics, keeper, registry);

    public string? Credentials() => null;

    public int? Open(NodeContext node)
    {
        try
        {
            var logger = node.Services.GetRequiredService<ILoggerFactory>().CreateLogger("segment");
            _store = SharedSegmentStore.Open(o.Segment, node.Node, logger, node.Settings.State.MutexTimeout,
                node.DataFile is { } data ? SharedSegmentStore.StoreDigest(data) : null);
            _store.LockWaited = node.Metrics.LockWaited;
            DoorName = NodeKey.DoorName(NodeKey.LoadOrCreate(o.Segment));
            return null;
        }
        catch (Exception ex) when (ex is SegmentException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot use segment '{o.Segment}': {ex.Message}");
            Release();
            return 1;
        }
    }

    public IRemoteDelivery? Remote => null; // other nodes of the segment are reached through the registry and their doors

    public NodeQueues NodeLinks(ActorSystem system) => PeerAddresses.For(system).Queues; // the segment's nodes dial the client port

    public Props RegistryProps(NodeContext node) =>
        RegistryActor.ForSegment(_store!, node.Settings.State, node.Summary, node.Node, DoorName!, node.Metrics);

    public INodeView View(NodeContext node, ActorSystem system, IActorRef registry) =>
        new SegmentNodeView(registry, system, node.Metrics, node.Settings.State.MutexTimeout + TimeSpan.FromSeconds(1));

    public Task<bool> ReleaseAsync()
    {
        Release();
        return Task.FromResult(false);
    }

    // The state actor has stopped: only now may the store go (its Dispose removes this node from the segment, and the
    // file if this node was the only one); the key file goes with the segment.
    private void Release()
    {
        _store?.Dispose();
        _store = null;
        NodeKey.RemoveIfSegmentGone(o.Segment);
    }
}
