using Akka.Actor;
using Akka.Cluster;

namespace Switchboard.Server.Cluster;

/// <summary>
/// Cluster mode's view for the monitoring endpoint: the members, their status, roles and reachability from
/// Akka.Cluster's own state (a thread-safe read view, no actor involved), the totals this node's registry knows (one
/// shared snapshot per interval), and why the node should not take clients: not yet Up, unreachable, leaving or
/// downed, Up without its first serverSeq range (<see cref="ClusterReadiness"/>), or its data store another cluster's
/// (<see cref="StoreClaimGate"/>: its writes are refused meanwhile).
/// </summary>
public sealed class ClusterNodeView : INodeView
{
    public const string Mode = "cluster";
    readonly Akka.Cluster.Cluster _cluster;
    readonly ActorSystem _system;
    readonly ClusterReadiness _readiness;
    readonly Task _wasUp;
    readonly DateTimeOffset _started;
    readonly SharedRead<StateSnapshot?> _totals;
    readonly IWriteGuard? _claim;

    /// <param name="wasUp">Completes when this node first became Up: tells "not joined yet" from "removed".</param>
    /// <param name="claim">Whether the cluster holds its database's claim (null: no database).</param>
    public ClusterNodeView(ActorSystem system, IActorRef registry, ClusterReadiness readiness, Task wasUp, DateTimeOffset started, TimeSpan askTimeout,
        IWriteGuard? claim = null)
    {
        _claim = claim;
        _system = system;
        _cluster = Akka.Cluster.Cluster.Get(system);
        _readiness = readiness;
        _wasUp = wasUp;
        _started = started;
        _totals = new SharedRead<StateSnapshot?>(() => Snapshot(registry, askTimeout), TimeSpan.FromMilliseconds(500));
    }

    public async Task<RegistryView> ReadAsync(CancellationToken ct)
    {
        var state = _cluster.State;
        var self = _cluster.SelfMember;
        var unreachable = state.Unreachable;
        var nodes = state.Members
            .Select(m => new NodeView(NodeSide.FrontOf(m), Status(m.Status),
                m.UniqueAddress == self.UniqueAddress ? Environment.ProcessId : null,
                m.UniqueAddress == self.UniqueAddress ? _started : null, null,
                [.. m.Roles.Order(StringComparer.Ordinal)], !unreachable.Contains(m)))
            .ToArray();
        var notReady = NotReady(self, unreachable.Any(m => m.UniqueAddress == self.UniqueAddress));
        var s = await _totals.Get().ConfigureAwait(false);
        if (s is null) notReady ??= "the cluster registry did not answer";
        return new RegistryView(Mode, nodes, s?.Clients.Count ?? 0, s?.ServerSeq ?? 0, s?.TotalRequests ?? 0, s?.TotalRegistrations ?? 0, notReady);
    }

    string? NotReady(Member self, bool selfUnreachable)
    {
        if (CoordinatedShutdown.Get(_system).ShutdownReason is not null || _cluster.IsTerminated) return "the node is shutting down";
        switch (self.Status)
        {
            case MemberStatus.Removed when !_wasUp.IsCompleted:
                return "not yet Up in the cluster: no seed node has answered the join yet";
            case MemberStatus.Joining or MemberStatus.WeaklyUp:
                return $"not yet Up in the cluster: {Status(self.Status)}, waiting for the leader";
            case MemberStatus.Leaving or MemberStatus.Exiting:
                return "leaving the cluster";
            case MemberStatus.Down or MemberStatus.Removed:
                return "downed: removed from the cluster";
        }
        if (selfUnreachable) return "unreachable: other members' failure detectors do not reach this node";
        if (!_readiness.WhenReady.IsCompleted) return "Up, but no serverSeq range leased yet";
        return _claim?.Problem()?.Text;
    }

    static string Status(MemberStatus s) => s switch
    {
        MemberStatus.WeaklyUp => "weakly-up",
        _ => s.ToString().ToLowerInvariant(),
    };

    static async Task<StateSnapshot?> Snapshot(IActorRef registry, TimeSpan askTimeout)
    {
        try
        {
            return await registry.Ask<StateSnapshot>(GetSnapshot.Instance, askTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }
}
