using System.Collections.Concurrent;
using Akka.Actor;

namespace Switchboard.Server.Security;

/// <summary>
/// What this node has queued for each other node and the socket has not taken yet: the associations
/// <see cref="PeerAddressTransport"/> knows for a node's (a segment node's address with the uid that node published, or
/// any peer of a cluster's node port, which only holders of the cluster secret reach), by the node's HOST:PORT. Node links
/// are bounded by <c>switchboard.max-unsent-bytes-node</c>, not the clients' bound: a node falling behind (busy fanning a
/// broadcast out to its own clients) must not have its link cut under everyone. What clients put on a node link (their
/// DMs, broadcasts and room messages, and the drop notices their broadcasts cause) is refused past
/// <see cref="ChatLimit"/> (<c>switchboard.max-unsent-bytes-node-chat</c>), well below that: no client, nor all of them
/// together, can fill a node link. Read by sessions and the registry on their own threads; written by the transport.
/// </summary>
public sealed class NodeQueues
{
    // Each live node association's queue, and the node it leads to.
    private readonly ConcurrentDictionary<UnsentBytes, string> _open = new();

    /// <summary>Past this many bytes queued for a node, no client's message is sent there (0: no bound).</summary>
    public long ChatLimit { get; internal set; }

    internal void Open(UnsentBytes queue, Address node) => _open[queue] = NodeIdentities.KeyOf(node);

    internal void Close(UnsentBytes queue) => _open.TryRemove(queue, out _);

    /// <summary>Bytes queued for <paramref name="node"/> (HOST:PORT) over all its live associations.</summary>
    public long QueuedFor(string node)
    {
        long queued = 0;
        foreach (var (queue, to) in _open)
            if (to == node) queued += queue.Queued;
        return queued;
    }

    /// <summary>Whether a client's message for <paramref name="node"/> (HOST:PORT) is refused: its link is full.</summary>
    public bool Full(string node) => ChatLimit > 0 && QueuedFor(node) > ChatLimit;

    /// <summary>Whether a client's message for the node at <paramref name="address"/> is refused (never for a local one).</summary>
    public bool Full(Address address) => address.HasGlobalScope && Full(NodeIdentities.KeyOf(address));

    /// <summary>A node whose link is full (HOST:PORT), or null: where a broadcast or room message, which goes to every
    /// node, is refused.</summary>
    public string? AnyFull()
    {
        if (ChatLimit <= 0) return null;
        foreach (var to in _open.Values.Distinct())
            if (Full(to)) return to;
        return null;
    }

    /// <summary>Live node associations (specs).</summary>
    public int Count => _open.Count;
}
