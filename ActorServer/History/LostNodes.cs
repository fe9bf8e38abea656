using System.Collections.Immutable;

namespace Switchboard.Server.History;

/// <summary>
/// The cluster's nodes lost a moment ago (unreachable, or removed and their shards still settling), by client-facing
/// address: a history request nobody answered then most likely went to a conversation or inbox on such a node, which is
/// moving to another one, and the session says so instead of blaming the store. Written by the node's
/// <c>HistoryRelayActor</c>, read by sessions without a message: an immutable set swapped atomically. The cluster's
/// registry backend keeps one of its own for name claims (settled after a claim timeout, not the history's).
/// </summary>
public sealed class LostNodes
{
    private ImmutableSortedSet<string> _nodes = ImmutableSortedSet<string>.Empty;

    public void Lost(string node) => ImmutableInterlocked.Update(ref _nodes, s => s.Add(node));

    public void Settled(string node) => ImmutableInterlocked.Update(ref _nodes, s => s.Remove(node));

    public bool Has(string node) => Volatile.Read(ref _nodes).Contains(node);

    /// <summary>The nodes lost a moment ago ("127.0.0.3:4053", or several joined by ", "), or null.</summary>
    public string? Recent => Volatile.Read(ref _nodes) is { Count: > 0 } nodes ? string.Join(", ", nodes) : null;
}
