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
    private readonly Lock _gate = new();
    // Each live node association's queue and the node it leads to: a copy made on open and close (rare), read without a
    // lock or an allocation on every client message that leaves for another node.
    private volatile Link[] _links = [];

    private sealed record Link(UnsentBytes Queue, string Host, int Port, string Key);

    /// <summary>Past this many bytes queued for a node, no client's message is sent there (0: no bound).</summary>
    public long ChatLimit { get; internal set; }

    internal void Open(UnsentBytes queue, Address node)
    {
        lock (_gate)
            if (Array.FindIndex(_links, l => ReferenceEquals(l.Queue, queue)) < 0)
                _links = [.. _links, new Link(queue, node.Host ?? "", node.Port ?? 0, NodeIdentities.KeyOf(node))];
    }

    internal void Close(UnsentBytes queue)
    {
        lock (_gate) _links = Array.FindAll(_links, l => !ReferenceEquals(l.Queue, queue));
    }

    /// <summary>Bytes queued for <paramref name="node"/> (HOST:PORT) over all its live associations.</summary>
    public long QueuedFor(string node)
    {
        long queued = 0;
        foreach (var l in _links)
            if (l.Key == node) queued += l.Queue.Queued;
        return queued;
    }

    /// <summary>Whether a client's message for <paramref name="node"/> (HOST:PORT) is refused: its link is full.</summary>
    public bool Full(string node) => ChatLimit > 0 && QueuedFor(node) > ChatLimit;

    /// <summary>Whether a client's message for the node at <paramref name="address"/> is refused (never for a local one).</summary>
    public bool Full(Address address)
    {
        if (ChatLimit <= 0 || !address.HasGlobalScope) return false;
        long queued = 0;
        foreach (var l in _links)
            if (l.Port == address.Port && l.Host == address.Host) queued += l.Queue.Queued;
        return queued > ChatLimit;
    }

    /// <summary>A node whose link is full (HOST:PORT), or null: where a broadcast or room message, which goes to every
    /// node, is refused.</summary>
    public string? AnyFull()
    {
        if (ChatLimit <= 0) return null;
        var links = _links;
        for (var i = 0; i < links.Length; i++)
            if (!SeenBefore(links, i) && Full(links[i].Key)) return links[i].Key;
        return null;
    }

    private static bool SeenBefore(Link[] links, int i)
    {
        for (var j = 0; j < i; j++)
            if (links[j].Key == links[i].Key) return true;
        return false;
    }

    /// <summary>Live node associations (specs).</summary>
    public int Count => _links.Length;
}
