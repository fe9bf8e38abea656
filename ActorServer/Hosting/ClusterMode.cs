using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Hosting;

/// <param name="Seeds">Seed nodes as HOST:PORT of their cluster ports (this node may be one of them).</param>
/// <param name="PublicHost">The host name other nodes and clients use for this node, when it binds 0.0.0.0.</param>
/// <param name="SecretFile">The file whose first line is the cluster secret (else SWITCHBOARD_CLUSTER_SECRET).</param>
/// <param name="ClusterPort">The node port other nodes use (mutual TLS, secret-tagged certificates); default: --port + 1.</param>
/// <param name="Db">--db: the PostgreSQL store's connection string or the file holding it (<see cref="PostgresStore.Open"/>).</param>
public sealed record ClusterOptions(IReadOnlyList<string> Seeds, string? PublicHost, string? SecretFile = null, int? ClusterPort = null, string? Db = null)
{
    public const string SecretVariable = "SWITCHBOARD_CLUSTER_SECRET";

    /// <summary>Shorter secrets are refused: they sign every message between nodes.</summary>
    public const int MinSecretLength = 16;
}

/// <summary>
/// Cluster mode: the same gateway, sessions and rooms as a single-host node, with the cluster registry
/// (<see cref="RegistryActor"/> over <see cref="ClusterBackend"/>) instead of the segment's backend, and no door. Two actor systems: the
/// client-facing one the host runs on --port, and the node side on --cluster-port (<see cref="NodeSide"/>:
/// Akka.Cluster over mutual TLS that only holders of the cluster secret pass), which this mode starts before the
/// client-facing system and stops after it. Ready once the node is Up and holds its first serverSeq range.
/// <para>With <c>--db</c> the node keeps accounts and history in the PostgreSQL database every node shares, all on the
/// node side: the accounts of names claimed here (a name has one claim in the cluster, so its account one writer), and
/// the conversations and inboxes as sharded entities (<see cref="ShardedHistory"/>).</para>
/// </summary>
public sealed class ClusterMode(ServerOptions o, ClusterOptions c) : INodeMode
{
    // How long the store may take to answer at start, and to have its tables made: that waits for the other nodes
    // starting with this one (one at a time), which on 2 loaded cores took three nodes more than 15 s.
    private static readonly TimeSpan StoreWait = TimeSpan.FromSeconds(15), SchemaWait = TimeSpan.FromSeconds(60);
    private readonly ClusterReadiness _readiness = new();
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<HostPort> _seeds = [];
    private NodeAddress? _address;
    private int _clusterPort;
    private Config _nodeHocon = Config.Empty;
    private ClusterSettings? _cluster;
    private string _secret = "";
    private NodeSide? _side;
    private PostgresStore? _store;
    private NodeDirectory? _directory;
    // With --db: whether this node's cluster holds the database's claim (StoreClaimActor), and this node as the claim names it.
    private readonly StoreClaimGate _claim = new();
    private string? _claimant;
    // Set by the node side's store check when this node's database is not the cluster's (before its system stops).
    private volatile string? _refusal;

    public string? DoorName => null; // other nodes reach the registry's inbox on the node side

    public IRemoteDelivery? Remote => _directory;

    public NodeQueues NodeLinks(ActorSystem system) => PeerAddresses.For(_side!.System).Queues; // the node port's

    public Task WhenReady => _ready.Task;

    public Task WhenGone => _gone.Task;

    public NodeAddress? Resolve()
    {
        if (HostPort.ParseList(string.Join(',', c.Seeds), out var seedProblem) is not { } seeds)
            return NodeWiring.Refuse($"--seeds {seedProblem} (the seed nodes' --cluster-port)");
        if (!HostPort.IsPort(o.Port, min: 0) || c.ClusterPort is { } q && !HostPort.IsPort(q, min: 0))
            return NodeWiring.Refuse("--port and --cluster-port must be 0..65535");
        var bindHost = SwitchboardConfig.CanonicalHost(o.Host);
        var publicHost = SwitchboardConfig.CanonicalHost(c.PublicHost ?? o.Host);
        if (publicHost is "0.0.0.0" or "::")
            return NodeWiring.Refuse("binding to all interfaces needs --public-host, the address others use for this node");
        if (StartChecks.NotBindable(bindHost, "--host") is { } unbindable) return NodeWiring.Refuse(unbindable);
        var port = o.Port == 0 ? StartChecks.FreePort(bindHost) : o.Port;
        _clusterPort = c.ClusterPort is { } cp and not 0 ? cp : c.ClusterPort == 0 || port == HostPort.MaxPort ? StartChecks.FreePort(bindHost) : port + 1;
        if (_clusterPort == port) return NodeWiring.Refuse("--cluster-port must differ from --port");
        _seeds = seeds;
        return _address = new NodeAddress(bindHost, publicHost, port, [(port, "--port"), (_clusterPort, "--cluster-port")]);
    }

    public void Configure(ServerSettings settings)
    {
        // The user's file over cluster.hocon over the defaults: a user file can change any cluster key too.
        var user = o.ConfigPath is null ? Config.Empty : ConfigurationFactory.ParseString(File.ReadAllText(o.ConfigPath));
        _nodeHocon = user.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(SwitchboardConfig.DefaultPath("cluster.hocon")))).WithFallback(settings.Hocon);
        _cluster = ClusterSettings.Create(_nodeHocon);
        if (_cluster.RecoverFor <= _cluster.ReassertInterval)
            throw new ConfigurationException("switchboard.cluster.recover-for must be longer than reassert-interval");
        if (_cluster.StoreClaimLease <= _cluster.StoreClaimRenew * 2)
            throw new ConfigurationException("switchboard.cluster.store-claim-lease must be more than twice store-claim-renew");
    }

    public bool KeepsData => false;

    public IDataStore? Store => _store;

    public (IActorRef? Accounts, HistoryDesk? History) StartStore(ActorSystem system, DataStore? data, HistoryKeeperLock? keeper, SwitchboardMetrics metrics,
        IActorRef registry)
    {
        if (_store is null) return (null, null);
        var (accounts, reserved) = _side!.System.StartAccounts(_store, metrics, registry, _claim);
        var store = _store;
        var lost = new LostNodes();
        var relay = ShardedHistory.Start(_side, _cluster!.Shards, _store.History, reserved, metrics, cancel => store.ReservedNamesAsync(_side.System, cancel), lost, _claim);
        // In the sessions' system: the answers an ended session leaves are its dead letters.
        var unfinished = system.ActorOf(UnfinishedHoldsActor.Props(relay, _store.History.Timeout), "unfinished-holds");
        return (accounts, new HistoryDesk(relay, reserved, _store.History, _side.System.EventStream, unfinished, lost));
    }

    public string? Credentials()
    {
        // The secret admits nodes to the node port (NodeCertificate) and signs every node-to-node message: no secret, no cluster.
        var secret = TokenSource.Read(c.SecretFile, ClusterOptions.SecretVariable, "cluster secret", out var secretProblem);
        if (secret is not null && secret.Length >= ClusterOptions.MinSecretLength)
        {
            _secret = secret;
            // The store's connection string holds a password too: read (and its file checked) here.
            if (c.Db is not null && (_store = PostgresStore.Open(c.Db, _nodeHocon, out var storeProblem, out _)) is null) return storeProblem;
            return null;
        }
        const string Make = "e.g. (umask 077; head -c 32 /dev/urandom | base64 > cluster.secret)";
        return secretProblem ?? (secret is null
            ? $"cluster mode needs a secret shared by every node: --cluster-secret-file FILE (first line) or {ClusterOptions.SecretVariable}; {Make}"
            : $"the cluster secret must be at least {ClusterOptions.MinSecretLength} characters; {Make}");
    }

    public int? Open(NodeContext node)
    {
        var at = _address!;
        if (_store?.CheckReachableAsync(StoreWait).GetAwaiter().GetResult() is { } unreachable)
        {
            Console.Error.WriteLine($"error: {unreachable}");
            return 1;
        }
        Guid? storeId = null;
        if (_store is not null)
        {
            var (id, problem) = _store.IdentifyAsync(StoreWait).GetAwaiter().GetResult();
            if (problem is not null)
            {
                Console.Error.WriteLine($"error: {problem}");
                return 1;
            }
            storeId = id;
        }
        try
        {
            var config = new NodeSideConfig(at.BindHost, at.PublicHost, _clusterPort,
                _seeds.Select(s => new HostPort(SwitchboardConfig.CanonicalHost(s.Host), s.Port)).ToList(), node.Node, _secret, storeId);
            var hocon = NodeWiring.AkkaLogging(NodeWiring.Switches(o)).WithFallback(_nodeHocon);
            if (_store is not null) hocon = _store.Hocon.WithFallback(hocon).WithFallback(SqlPersistence.DefaultConfiguration);
            _side = NodeSide.Start(hocon, _cluster!, config, node.Services);
            // Before anything is written: the journal and snapshot store ask it at every write.
            if (_store is not null) StoreClaimGate.Register(_side.System, _claim);
            _side.System.ActorOf(StoreCheckActor.Props(storeId, why => _refusal = why), "store-check");
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"error: the server did not start: {ex.GetBaseException().Message}");
            return 1;
        }
        // A node downed by the resolver (or that left) stops its node side: the process ends with it. One that stops
        // before it was ever up says so: the seeds refused it, and only their logs (and this one's) say why.
        _side.System.WhenTerminated.ContinueWith(_ =>
        {
            if (_refusal is { } refusal) Console.Error.WriteLine($"error: {refusal}");
            else if (!_up.Task.IsCompleted && !Asked) Console.Error.WriteLine($"error: {NeverJoined} (this node: {StoreCheckActor.Describe(StoreCheckActor.RoleOf(storeId))})");
            _gone.TrySetResult();
        }, TaskScheduler.Default);
        // Before any persistent actor runs: several nodes starting at once must not race to make the tables.
        if (_store is not null)
        {
            var schemaMade = _store.EnsureSchemaAsync(_side.System, SchemaWait);
            if (Task.WhenAny(schemaMade, _gone.Task).GetAwaiter().GetResult() != schemaMade) return 1;
            if (schemaMade.GetAwaiter().GetResult() is { } schema)
            {
                Console.Error.WriteLine($"error: {schema}");
                _side.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
                return 1;
            }
        }
        if (_store is not null)
        {
            // Only now: the claim's table is made with the store's id (IdentifyAsync). Serves once the claim is held.
            var store = _store;
            var lease = _cluster!.StoreClaimLease;
            _claimant = StoreClaims.IdOf(Akka.Cluster.Cluster.Get(_side.System).SelfUniqueAddress);
            _side.System.ActorOf(StoreClaimActor.Props(ask => store.ClaimAsync(ask, lease, lease), _claim, store.Url, _cluster.StoreClaimRenew,
                lease, why =>
                {
                    _refusal = why;
                    CoordinatedShutdown.Get(_side.System).Run(StoreClaimedElsewhere.Instance);
                }), "store-claim");
        }
        else _claim.Held();
        Akka.Cluster.Cluster.Get(_side.System).RegisterOnMemberUp(() => _up.TrySetResult());
        _ = AnnounceWhenReadyAsync(node.Services.GetRequiredService<ILoggerFactory>().CreateLogger("cluster"));
        return null;
    }

    public Props RegistryProps(NodeContext node) =>
        RegistryActor.ForCluster(_cluster!, node.Summary, _readiness, node.Node, _side!, node.Local, _directory = new NodeDirectory(node.Node), node.Metrics,
            () => _ready.Task.IsCompleted);

    // Served from before the node is Up, so /healthz can say why it is not ready yet.
    public INodeView View(NodeContext node, ActorSystem system, IActorRef registry) =>
        new ClusterNodeView(_side!.System, registry, _readiness, _up.Task, node.Started, TimeSpan.FromSeconds(3), _store is null ? null : _claim);

    public async Task<bool> ReleaseAsync()
    {
        if (_side is null) return false;
        // Only now: the registry has released its names through the node side.
        var downed = CoordinatedShutdown.Get(_side.System).ShutdownReason is CoordinatedShutdown.ClusterDowningReason;
        var neverUp = _gone.Task.IsCompleted && !_up.Task.IsCompleted && !Asked;
        _released = true;
        await _side.StopAsync(TimeSpan.FromSeconds(10));
        // Off the claim once out of the cluster: the last node of a cluster stopped cleanly leaves the database free at once.
        if (_store is not null && _claimant is not null && _claim.WhenFirstHeld.IsCompleted
            && await _store.ReleaseClaimAsync(_claimant, TimeSpan.FromSeconds(5)) is { } unreleased)
            Console.Error.WriteLine($"warning: this node could not take itself off the data store's claim ({unreleased}); another cluster may use the " +
                $"database {_cluster!.StoreClaimLease.TotalSeconds:0} s after this one's last renewal");
        return downed || neverUp || _refusal is not null;
    }

    // Stopped because the operator asked (Ctrl-C, SIGTERM: the CLR's exit hook; or the host releasing it), not refused:
    // a node still waiting for its seeds when stopped so is not "refused", and its exit is a clean one. It printed the
    // refusal's error line (secret, database) on every Ctrl-C of a node whose seeds had not answered yet.
    private bool _released;
    private bool Asked => _released || CoordinatedShutdown.Get(_side!.System).ShutdownReason is CoordinatedShutdown.ClrExitReason;

    private const string NeverJoined = "this node's cluster side stopped before it joined the cluster (the log above says what it met); " +
        "a node whose --cluster-secret-file differs from the other nodes' is refused by them, and their logs say \"not tagged with this " +
        "cluster's secret\"; one whose --db names another database than theirs, or none, is downed, and their logs say \"another store\"";

    private async Task AnnounceWhenReadyAsync(ILogger log)
    {
        await Task.WhenAll(_up.Task, _readiness.WhenReady, _claim.WhenFirstHeld);
        log.LogInformation("node port {Address} (mutual TLS, cluster secret)", ((ExtendedActorSystem)_side!.System).Provider.DefaultAddress);
        _ready.TrySetResult();
    }
}
