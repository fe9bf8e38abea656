namespace Switchboard.Server.Monitoring;

/// <summary>One node of the deployment as <c>/status</c> shows it.</summary>
/// <param name="Roles">Cluster mode: the member's roles (absent in single-host mode).</param>
/// <param name="Reachable">Cluster mode: whether the cluster's failure detectors reach the member (absent in single-host mode).</param>
public sealed record NodeView(string Address, string State, int? Pid, DateTimeOffset? Started, DateTimeOffset? Heartbeat,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull), System.Text.Json.Serialization.JsonPropertyOrder(1)] IReadOnlyList<string>? Roles = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull), System.Text.Json.Serialization.JsonPropertyOrder(1)] bool? Reachable = null)
{
    // Milliseconds, whatever the source: the segment keeps them so, a cluster node's clock had ticks (7 decimals).
    // (Roles and Reachable are ordered last so that these two keep their place after pid.)
    public DateTimeOffset? Started { get; init; } = Millis(Started);
    public DateTimeOffset? Heartbeat { get; init; } = Millis(Heartbeat);

    static DateTimeOffset? Millis(DateTimeOffset? t) =>
        t is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v.ToUnixTimeMilliseconds()).ToOffset(v.Offset) : null;
}

/// <summary>What the registry knows right now: the nodes, the totals and, if the node should not take clients, why.</summary>
/// <param name="NotReady">Null when the node accepts clients and its state is usable; otherwise the reason for 503.</param>
public sealed record RegistryView(
    string Mode,
    IReadOnlyList<NodeView> Nodes,
    int OnlineClients,
    long ServerSeq,
    long TotalRequests,
    long TotalRegistrations,
    string? NotReady);

/// <summary>
/// The monitoring endpoint's one look at the registry: single-host mode reads the segment
/// (<see cref="SegmentNodeView"/>); cluster mode implements it from the cluster's members and registry.
/// </summary>
public interface INodeView
{
    /// <summary>The current view; never throws for an unavailable registry (that is <see cref="RegistryView.NotReady"/>).</summary>
    Task<RegistryView> ReadAsync(CancellationToken ct);
}
