using Switchboard.Server.Hosting;

namespace Switchboard.Server.Cluster;

/// <summary>Whether this node's cluster holds the database's claim (<see cref="StoreClaimActor"/>): kept messages
/// (<see cref="HistoryRelayActor"/>) and account changes (<see cref="Accounts.AccountsActor"/>) ask it before they
/// write, and are answered 503 while it is not held. Closed until the first claim.</summary>
public sealed class StoreClaimGate : IWriteGuard
{
    private static readonly DataFileProblem NotYet = new("this node has not claimed the data store yet", "it claims it once it is Up in its cluster");
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile DataFileProblem? _problem = NotYet;

    /// <summary>Completed at the first claim held: the node serves from then on.</summary>
    public Task WhenFirstHeld => _held.Task;

    public DataFileProblem? Problem() => _problem;

    public string Back => "this cluster holds the data store's claim again";

    public void Held()
    {
        _problem = null;
        _held.TrySetResult();
    }

    public void Lost(string why) => _problem = new DataFileProblem(why,
        "until the other cluster's claim lapses; stop that cluster's nodes and start them again with this cluster's --seeds (docs/cluster.md)");
}
