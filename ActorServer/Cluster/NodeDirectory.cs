using System.Collections.Concurrent;
using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>
/// Which other node's inbox serves each client of another node, read by this node's sessions on their own threads: a
/// DM to such a client goes from the sender's session straight to that node's inbox (<see cref="ClusterInboxActor"/>),
/// which hands it to the recipient's session; the answer comes back to this node's inbox, which hands it to the sender's
/// session from the shared <see cref="RelayBook"/>. Both ways through a <see cref="NodeLinkActor"/>, which gathers what
/// comes at once into one message. Neither registry nor pub-sub is on that path (issue 22: no shared
/// actor per DM but the two inboxes). Written by the registry alone, from the rosters (<see cref="Rosters"/>), with only
/// an inbox on the node's own node-side address (a member cannot publish a roster in another member's name pointing
/// that member's clients at itself; a member listing other nodes' names in its own roster is not detected here: members
/// are trusted, see docs/security.md).
/// </summary>
public sealed class NodeDirectory(string node) : IRemoteDelivery
{
    private readonly ConcurrentDictionary<string, IActorRef> _inboxOf = new(StringComparer.Ordinal);
    private volatile Channel? _channel;

    /// <summary>This node's inbox (the reply address), the book its answers are taken from, and the links DMs leave by
    /// (null: each DM is its own message); until then nothing is sent this way.</summary>
    internal void Attach(IActorRef inbox, RelayBook relays, NodeLinks? links = null) => _channel = new Channel(inbox, relays, links);

    internal void Detach() => _channel = null;

    /// <summary>The member at <paramref name="node"/> left: its links go.</summary>
    internal void Gone(Address node) => _channel?.Links?.Forget(node);

    /// <summary><paramref name="name"/> is served by the node whose inbox is <paramref name="inbox"/>.</summary>
    internal void Set(string name, IActorRef inbox) => _inboxOf[name] = inbox;

    /// <summary><paramref name="name"/> left that node (not another node it has joined since).</summary>
    internal void Remove(string name, IActorRef inbox) => _inboxOf.TryRemove(KeyValuePair.Create(name, inbox));

    public bool TrySend(IActorRef session, long id, string from, string to, string text, long msgId, long timeMs)
    {
        if (_channel is not { } channel || !_inboxOf.TryGetValue(to, out var there)) return false;
        if (channel.Links?.Queues.Full(there.Path.Address) == true)
        {
            // Its node's link is full (switchboard.max-unsent-bytes-node-chat): refused, nothing sent.
            session.Tell(new Delivered(id, Codes.Unavailable, RegistryText.NodeFull(NodeIdentities.KeyOf(there.Path.Address))));
            return true;
        }
        // Answered at once should that node stop answering before it does (ClusterBackend, RelayBook.Lost).
        var deliver = new Deliver(channel.Relays.Add(session, id, there.Path.Address, to), from, to, text, channel.Inbox, msgId, timeMs);
        if (channel.Links?.To(there) is { } link) link.Tell(deliver, channel.Inbox);
        else there.Tell(new Relayed(deliver, node), channel.Inbox);
        return true;
    }

    private sealed record Channel(IActorRef Inbox, RelayBook Relays, NodeLinks? Links);
}
