namespace Switchboard.Server.Cluster;

// What the node's HistoryRelayActor hears of the cluster's members (by client-facing address), read from Akka's own
// membership events: local only, never a wire message.

/// <summary>The failure detector gave up on a member.</summary>
public sealed record NodeUnreachable(string Node);

/// <summary>An unreachable member answers again.</summary>
public sealed record NodeReachable(string Node);

/// <summary>A member left the cluster (downed, or gone on its own): its shards move to the others now.</summary>
public sealed record NodeRemoved(string Node);
