using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>
/// Where a conversation or inbox sends what is for another one: an inbox's <see cref="Fetch"/> goes to
/// <paramref name="Conversations"/>, a conversation's <see cref="MarkChecked"/> to <paramref name="Inboxes"/>, and
/// <see cref="ChildStopping"/> to <paramref name="Supervisor"/>. On a single host all three are the
/// <see cref="HistoryActor"/> that created them; in a cluster the two shard regions, and no supervisor (sharding
/// restarts an entity on its next message), and <paramref name="Live"/>, the node's bound on entities in memory (the
/// single host's is the history actor's own).
/// </summary>
public sealed record HistoryRoutes(IActorRef Conversations, IActorRef Inboxes, IActorRef? Supervisor, LiveEntities? Live = null)
{
    public static HistoryRoutes Via(IActorRef history) => new(history, history, history);
}
