namespace Switchboard.Server.Hosting;

/// <summary>What a writer asks before it changes the store: null while it may, else why not (answered 503). A single
/// host's data file (<see cref="DataFileGuard"/>), or a cluster's claim on its database (<see cref="Cluster.StoreClaimGate"/>).</summary>
public interface IWriteGuard
{
    DataFileProblem? Problem();

    /// <summary>Logged when writes are accepted again.</summary>
    string Back { get; }
}
