namespace Switchboard.Server.Cluster;

/// <summary>Completed by the registry once it holds its first serverSeq range: only then can it number a reply,
/// so only then does the host print "listening on" (the node is Up and serves clients).</summary>
public sealed class ClusterReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WhenReady => _ready.Task;

    public void Ready() => _ready.TrySetResult();
}
