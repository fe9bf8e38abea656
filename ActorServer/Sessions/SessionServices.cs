using Akka.Actor;

namespace Switchboard.Server.Sessions;

/// <summary>What every session of a node shares: whom it talks to, what it runs, its limits and its clock.</summary>
/// <param name="Registry">Answers the messages in <c>Registry/Protocol/</c>: claims, counted replies, routing.</param>
/// <param name="Rooms">This node's rooms actor.</param>
/// <param name="Clock">Time for the rate limit; specs pass a clock they drive.</param>
/// <param name="Metrics">The node's instruments (none in specs that do not look at them).</param>
/// <param name="Accounts">The node's <c>AccountsActor</c> (single-host mode with a data store); null: no accounts.</param>
/// <param name="History">The node's history (single-host mode with a data store); null: nothing is kept.</param>
/// <param name="Local">This node's sessions by name (the gateway writes it): a DM to one goes to it directly.</param>
/// <param name="Remote">Other nodes' clients (cluster mode): a DM to one goes to its node directly; null: through the registry.</param>
/// <param name="NodeLinks">What the node has queued for the other nodes: a broadcast or room message is refused while a
/// node's link is full, and drop notices for a node whose link is full are not sent; null: no other node (specs).</param>
/// <param name="Unavailable">Where every 503 a session answers is told, for the node's log; null: nowhere (specs).</param>
public sealed record SessionServices(
    IActorRef Registry,
    IActorRef Rooms,
    OperationRegistry Operations,
    SessionSettings Settings,
    TimeProvider Clock,
    Monitoring.SwitchboardMetrics? Metrics = null,
    IActorRef? Accounts = null,
    HistoryDesk? History = null,
    LocalSessions? Local = null,
    IRemoteDelivery? Remote = null,
    NodeQueues? NodeLinks = null,
    Monitoring.UnavailableLog? Unavailable = null)
{
    public LocalSessions Local { get; init; } = Local ?? new LocalSessions();
}
