using System.Collections.Concurrent;
using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The node's <see cref="NodeLinkActor"/>s, one per other node's inbox, made on first use from the sessions' threads and
/// the inbox's, stopped when their node leaves the cluster (<see cref="Forget"/>). At most <see cref="MaxLinks"/>: past
/// that (a member naming many reply addresses) a message goes straight to its inbox, unbatched, as before links.
/// In the node side's system, under unguessable names, like the inbox: only members reach that system at all.
/// </summary>
public sealed class NodeLinks(ActorSystem system, string origin)
{
    public const int MaxLinks = 64;

    /// <summary>Remoting's own dispatcher (the node's event loop, server.hocon's akka.remote.use-dispatcher), for the
    /// links and the inbox: a batch goes to the association's writer, and one read comes from its reader, on the thread
    /// that does the remoting, not through a pool worker.</summary>
    public string Dispatcher { get; } = system.Settings.Config.GetString("akka.remote.use-dispatcher", "") is { Length: > 0 } d
        && system.Dispatchers.HasDispatcher(d) ? d : Akka.Dispatch.Dispatchers.DefaultDispatcherId;

    private readonly ConcurrentDictionary<IActorRef, Lazy<IActorRef>> _links = new();
    private volatile IActorRef? _inbox;

    /// <summary>This node's inbox, the sender the other nodes see; until then there is no link.</summary>
    public void Attach(IActorRef inbox) => _inbox = inbox;

    /// <summary>The link to <paramref name="target"/> (another node's inbox), or null: none yet attached, or too many.</summary>
    public IActorRef? To(IActorRef target)
    {
        if (_inbox is not { } inbox) return null;
        if (_links.TryGetValue(target, out var link)) return link.Value;
        if (_links.Count >= MaxLinks) return null;
        // Lazy: two threads that miss at once make one actor, not two.
        return _links.GetOrAdd(target, t => new Lazy<IActorRef>(() =>
            system.ActorOf(NodeLinkActor.Props(t, inbox, origin).WithDispatcher(Dispatcher), Capability.NewName("link-")))).Value;
    }

    /// <summary>The links to inboxes at <paramref name="node"/> (a member that left): stopped, and made afresh should the
    /// address come back.</summary>
    public void Forget(Address node)
    {
        foreach (var target in _links.Keys)
            if (target.Path.Address.Equals(node)) Stop(target);
    }

    /// <summary>Every link stopped (the registry detaches).</summary>
    public void Clear()
    {
        _inbox = null;
        foreach (var target in _links.Keys) Stop(target);
    }

    public int Count => _links.Count;

    /// <summary>What the node side has queued for each member: a DM for a member whose link is full is refused.</summary>
    public Security.NodeQueues Queues { get; } = Security.PeerAddresses.For(system).Queues;

    private void Stop(IActorRef target)
    {
        // Value even if nobody asked for it yet: one being made on another thread right now is stopped too.
        if (_links.TryRemove(target, out var link)) system.Stop(link.Value);
    }
}
