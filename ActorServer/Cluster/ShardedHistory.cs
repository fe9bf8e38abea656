using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The history of a cluster with a store (<c>--db</c>): conversations and inboxes as sharded entities on the node side,
/// so each persistence id has one writer in the whole cluster (sharding runs an entity on one node at a time, and only
/// after its old node is downed and removed elsewhere). Idle entities are let go after history idle-after with the same
/// stop message the single-host history uses (a conversation answers its pending writes first), and past history
/// max-live on a node the least recently used goes (<see cref="LiveEntities"/>). Sessions reach them
/// through this node's <see cref="HistoryRelayActor"/>.
/// </summary>
public static class ShardedHistory
{
    /// <returns>The node's relay: what sessions tell as their history.</returns>
    /// <param name="reread">Reads the store's reserved names afresh: once, when this node's subscription to the others'
    /// reservation notices has reached them (<see cref="HistoryRelayActor"/>).</param>
    /// <param name="lost">The node's view of members lost a moment ago, which the relay keeps.</param>
    /// <param name="claim">Whether the cluster holds its database's claim (<see cref="StoreClaimGate"/>): the relay refuses writes while not.</param>
    public static IActorRef Start(NodeSide side, int shards, HistorySettings settings, ReservedNames reserved, SwitchboardMetrics? metrics,
        Func<CancellationToken, Task<ReservedNames>>? reread = null, LostNodes? lost = null, IWriteGuard? claim = null)
    {
        var system = side.System;
        var sharding = ClusterSharding.Get(system);
        var shardingSettings = ClusterShardingSettings.Create(system).WithStateStoreMode(StateStoreMode.DData).WithRememberEntities(false)
            .WithPassivateIdleAfter(settings.IdleAfter);
        var allocation = ClusterSharding.Get(system).DefaultShardAllocationStrategy(shardingSettings);
        // Each entity type reaches the other through its region, known once both are started (entities are made later).
        HistoryRoutes routes = null!;
        var conversations = sharding.Start(ConversationExtractor.TypeName,
            id => ConversationActor.Props(new Conversation(id), settings, TimeProvider.System, routes, metrics),
            shardingSettings, new ConversationExtractor(shards), allocation, StopChild.Instance);
        var inboxes = sharding.Start(InboxExtractor.TypeName, id => InboxActor.Props(id, settings, routes, metrics, reserved),
            shardingSettings, new InboxExtractor(shards), allocation, StopChild.Instance);
        routes = new HistoryRoutes(conversations, inboxes, Supervisor: null, new LiveEntities(settings.MaxLive, TimeProvider.System));
#pragma warning disable AK1008 // top-level on the node side on purpose: the entities' answers must reach it from other nodes
        // The other nodes' mediators learn of a subscription by gossip: a few rounds after it is acknowledged they have.
        var gossip = system.Settings.Config.GetTimeSpan("akka.cluster.pub-sub.gossip-interval", TimeSpan.FromSeconds(1));
        return system.ActorOf(HistoryRelayActor.Props(conversations, inboxes, side.Mediator, reserved, settings.Timeout, reread, gossip * 3, lost, claim),
            Capability.NewName("history-"));
#pragma warning restore AK1008
    }
}
