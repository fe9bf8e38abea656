using Akka.Actor;

namespace Switchboard.Server.Segment;

/// <summary>
/// Single-host mode: the view is one snapshot of the segment, asked of the state actor (the only user of the
/// segment). Snapshots are shared (<see cref="SharedRead{T}"/>, 500 ms), so scrapes and health checks cost the state actor's
/// thread at most one snapshot each interval however often they come.
/// </summary>
public sealed class SegmentNodeView(IActorRef registry, ActorSystem system, SwitchboardMetrics metrics, TimeSpan askTimeout) : INodeView
{
    readonly SharedRead<RegistryView> _read = new(() => Fetch(registry, system, metrics, askTimeout), TimeSpan.FromMilliseconds(500));

    public Task<RegistryView> ReadAsync(CancellationToken ct) => _read.Get();

    static async Task<RegistryView> Fetch(IActorRef registry, ActorSystem system, SwitchboardMetrics metrics, TimeSpan askTimeout)
    {
        if (CoordinatedShutdown.Get(system).ShutdownReason is not null) return Unavailable("the node is shutting down");
        object answer;
        try
        {
            answer = await registry.Ask<object>(GetSnapshot.Instance, askTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            // Busy with store calls that time out one after the other: the last one says why.
            return Unavailable($"the state actor did not answer within {askTimeout.TotalSeconds:0.#} s" +
                (RecentFault(metrics) is { } fault ? $"; segment unavailable: {fault}" : ""));
        }
        catch (Exception ex)
        {
            answer = new Status.Failure(ex); // a Status.Failure answer surfaces as the Ask's exception
        }
        if (answer is StateSnapshot s)
            return new RegistryView("single-host",
                s.Nodes.Select(n => new NodeView(n.Address, n.Alive ? "up" : "dead", n.Pid, n.Started, n.Heartbeat)).ToArray(),
                s.Clients.Count, s.ServerSeq, s.TotalRequests, s.TotalRegistrations, null);
        // The state actor answers a failure when the segment is unusable; the metrics hold its real cause.
        var reason = RecentFault(metrics) ?? (answer as Status.Failure)?.Cause.Message ?? "state unavailable";
        return Unavailable($"segment unavailable: {reason}");
    }

    static string? RecentFault(SwitchboardMetrics metrics) =>
        metrics.LastStoreFault is { } f && DateTimeOffset.UtcNow - f.At < TimeSpan.FromSeconds(10) ? f.Reason : null;

    static RegistryView Unavailable(string reason) => new("single-host", [], 0, 0, 0, 0, reason);
}
