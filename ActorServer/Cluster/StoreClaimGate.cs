using Akka.Actor;
using Switchboard.Server.Hosting;

namespace Switchboard.Server.Cluster;

/// <summary>Whether this node's cluster holds the database's claim (<see cref="StoreClaimActor"/>): every write of the
/// node's journal and snapshot store asks it (<see cref="ClaimedSqlJournal"/>, <see cref="ClaimedSqlSnapshotStore"/>:
/// refused while another cluster holds it, whoever writes), and kept messages (<see cref="HistoryRelayActor"/>) and account
/// changes (<see cref="Accounts.AccountsActor"/>) ask it before they go to an entity, to be answered 503. Closed until
/// the first claim. One per node side (an extension of its actor system, <see cref="Register"/>).</summary>
public sealed class StoreClaimGate : IWriteGuard, IExtension
{
    private static readonly DataFileProblem NotYet = new("this node has not claimed the data store yet", "it claims it once it is Up in its cluster");
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile DataFileProblem? _problem = NotYet;

    /// <summary>Completed at the first claim held: the node serves from then on.</summary>
    public Task WhenFirstHeld => _held.Task;

    public DataFileProblem? Problem() => _problem;

    /// <summary>Why not while another cluster's claim was found (a split); null before the first claim too, unlike
    /// <see cref="Problem"/>: a node just joining a running cluster hosts its shards before its first renewal has come
    /// back, and writes to them must not fail meanwhile (a node that forms a cluster of its own has no sessions to write
    /// anything before its claim).</summary>
    public DataFileProblem? Elsewhere() => _problem is { } problem && !ReferenceEquals(problem, NotYet) ? problem : null;

    public string Back => "this cluster holds the data store's claim again";

    public void Held()
    {
        _problem = null;
        _held.TrySetResult();
    }

    public void Lost(string why) => _problem = new DataFileProblem(why,
        "until the other cluster's claim lapses; stop that cluster's nodes and start them again with this cluster's --seeds (docs/cluster.md)");

    /// <summary>Makes <paramref name="gate"/> the one <paramref name="system"/>'s journal and snapshot store ask: before
    /// anything is written.</summary>
    public static void Register(ActorSystem system, StoreClaimGate gate) => system.RegisterExtension(new Id(gate));

    /// <summary>The gate of <paramref name="system"/>, if it has one (a node side with <c>--db</c>).</summary>
    public static StoreClaimGate? Of(ActorSystem system) => system.HasExtension<StoreClaimGate>() ? system.GetExtension<StoreClaimGate>() : null;

    private sealed class Id(StoreClaimGate gate) : ExtensionIdProvider<StoreClaimGate>
    {
        public override StoreClaimGate CreateExtension(ExtendedActorSystem system) => gate;
    }
}

/// <summary>Published on the node side's event stream when this cluster holds the database's claim again after another
/// cluster held it: what waited for it goes on (<see cref="HistoryRelayActor"/>).</summary>
public sealed class StoreClaimBack
{
    public static readonly StoreClaimBack Instance = new();

    private StoreClaimBack()
    {
    }
}
