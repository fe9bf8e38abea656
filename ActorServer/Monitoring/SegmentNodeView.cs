using Akka.Actor;
using Switchboard.Server.Protocol;
using Switchboard.Server.State;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// Single-host mode: the view is one snapshot of the segment, asked of the state actor (the only user of the
/// segment). Snapshots are shared for <see cref="MaxAge"/>, so scrapes and health checks cost the state actor's
/// thread at most one snapshot each interval however often they come.
/// </summary>
public sealed class SegmentNodeView(IActorRef registry, ActorSystem system, SwitchboardMetrics metrics, TimeSpan askTimeout) : INodeView
{
    static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);
    readonly Lock _gate = new();
    Task<RegistryView>? _last;
    long _lastAt;

    public Task<RegistryView> ReadAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_last is not null && (!_last.IsCompleted || System.Diagnostics.Stopwatch.GetElapsedTime(_lastAt) < MaxAge)) return _last;
            _lastAt = System.Diagnostics.Stopwatch.GetTimestamp();
            return _last = Fetch();
        }
    }

    async Task<RegistryView> Fetch()
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
                (RecentFault() is { } fault ? $"; segment unavailable: {fault}" : ""));
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
        var reason = RecentFault() ?? (answer as Status.Failure)?.Cause.Message ?? "state unavailable";
        return Unavailable($"segment unavailable: {reason}");
    }

    string? RecentFault() =>
        metrics.LastStoreFault is { } f && DateTimeOffset.UtcNow - f.At < TimeSpan.FromSeconds(10) ? f.Reason : null;

    static RegistryView Unavailable(string reason) => new("single-host", [], 0, 0, 0, 0, reason);
}
