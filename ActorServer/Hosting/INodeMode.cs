using Akka.Actor;

namespace Switchboard.Server.Hosting;

/// <summary>
/// What a single-host node (<see cref="SegmentMode"/>) and a cluster node (<see cref="ClusterMode"/>) do differently;
/// <see cref="NodeHost"/> runs everything else once. Called in this order; what <see cref="Open"/> opens is the
/// mode's (owned by the host process, never by an actor) until <see cref="ReleaseAsync"/>.
/// </summary>
public interface INodeMode
{
    /// <summary>The mode's usage checks and the node's address; null after one error line (exit code 2).</summary>
    NodeAddress? Resolve();

    /// <summary>The mode's own settings, once the node's are loaded; a <see cref="Akka.Configuration.ConfigurationException"/>
    /// is a bad configuration.</summary>
    void Configure(ServerSettings settings);

    /// <summary>Whether the host opens the single-host store (<c>--data</c>, SQLite) for this mode.</summary>
    bool KeepsData { get; }

    /// <summary>The mode's own store (cluster mode's PostgreSQL, <c>--db</c>), or null.</summary>
    IDataStore? Store { get; }

    /// <summary>Starts the accounts and the history as the client-facing system starts: over the host's store
    /// (<paramref name="data"/>, with its keeper lock) or the mode's own; nulls when the node keeps nothing. A reserve
    /// holds its folded name in <paramref name="registry"/>.</summary>
    (IActorRef? Accounts, HistoryDesk? History) StartStore(ActorSystem system, DataStore? data, HistoryKeeperLock? keeper, SwitchboardMetrics metrics, IActorRef registry);

    /// <summary>What the mode needs besides the registration token (the cluster secret): the problem, or null.</summary>
    string? Credentials();

    /// <summary>Opens what the mode owns before Akka starts (the segment, its lock and door; the node side); null, or
    /// the exit code after one error line (with nothing left open).</summary>
    int? Open(NodeContext node);

    /// <summary>The registry that answers <c>Registry/Protocol/</c>, created as the client-facing system starts.</summary>
    Props RegistryProps(NodeContext node);

    /// <summary>The segment's door, named to the other nodes of the segment; null when they reach this node otherwise.</summary>
    string? DoorName { get; }

    /// <summary>How sessions reach other nodes' clients past the registry (cluster mode), or null.</summary>
    IRemoteDelivery? Remote { get; }

    /// <summary>What this node has queued for the other nodes, by the transport of the system that reaches them (the
    /// client-facing <paramref name="system"/> on a single host, the node side in a cluster): a client's message for a
    /// node whose link is full is refused.</summary>
    NodeQueues NodeLinks(ActorSystem system);

    /// <summary>What <c>--monitor</c> reports of the registry and the node.</summary>
    INodeView View(NodeContext node, ActorSystem system, IActorRef registry);

    /// <summary>Completes once the node serves clients: the host prints "listening on" then.</summary>
    Task WhenReady { get; }

    /// <summary>Completes when the mode ends the node itself (a node side that was downed): the host stops then.</summary>
    Task WhenGone { get; }

    /// <summary>Releases what <see cref="Open"/> opened, once the client-facing system is gone (or never started);
    /// true when the node ended in failure on the mode's side (downed by the cluster).</summary>
    Task<bool> ReleaseAsync();
}

/// <param name="BindHost">The IP literal remoting binds (0.0.0.0 or :: for every interface).</param>
/// <param name="PublicHost">The IP literal clients and other nodes use: this node's name is PublicHost:Port.</param>
/// <param name="Port">The client-facing port (never 0: a free one is picked before remoting starts).</param>
/// <param name="Ports">Every port the node will listen on, with the option that names it, checked free at start.</param>
public sealed record NodeAddress(string BindHost, string PublicHost, int Port, IReadOnlyList<(int Port, string Option)> Ports)
{
    public string Node => $"{PublicHost}:{Port}";
}

/// <summary>What a mode may use of the node once the host is built.</summary>
/// <param name="DataFile">A single host's store (the file in --data), or null.</param>
public sealed record NodeContext(NodeAddress Address, ServerSettings Settings, ServerSummary Summary, SwitchboardMetrics Metrics,
    IServiceProvider Services, DateTimeOffset Started, string? DataFile = null)
{
    public string Node => Address.Node;

    /// <summary>This node's sessions by name: the gateway writes it; sessions, and in cluster mode the node's inbox, deliver through it.</summary>
    public LocalSessions Local { get; } = new();
}
