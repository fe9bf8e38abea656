using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>What a session needs of the node's history: the history actor, which names are reserved, and its settings.</summary>
/// A DM is kept when either party is reserved (guests' DMs stay online-only): see SessionChat.
/// <param name="Reservations">Where a change of <paramref name="Reserved"/> is told (<c>ReservationChanged</c>,
/// <c>ReservationHeard</c>): the accounts' system's event stream, the node side's in cluster mode; null: the node's own.</param>
/// <param name="Unfinished">Where an ending session hands over its kept DMs not yet held (<see cref="UnfinishedHoldsActor"/>);
/// null: nowhere.</param>
/// <param name="Lost">The cluster's nodes lost a moment ago, which a request nobody answered is put down to (null: a single host).</param>
public sealed record HistoryDesk(IActorRef Actor, ReservedNames Reserved, HistorySettings Settings, Akka.Event.EventStream? Reservations = null,
    IActorRef? Unfinished = null, LostNodes? Lost = null)
{
    /// <summary>What a request the store did not answer in time is told: the store's 503 on a single host; in a cluster,
    /// with a node just lost, that its conversation is moving, else that its node or the store was silent.</summary>
    public string Unanswered() => Lost is null ? HistoryText.Unavailable
        : Lost.Recent is { } nodes ? HistoryText.Moving(nodes) : HistoryText.NodeOrStoreSilentQuery;

    /// <summary><see cref="Unanswered"/> for a message the store was asked to keep: it may still be.</summary>
    public string UnansweredPost() => Lost is null ? HistoryText.NoAnswer
        : Lost.Recent is { } nodes ? HistoryText.MovingMayBeKept(nodes) : HistoryText.NodeOrStoreSilentPost;

    /// <summary>Why a delivered message was not kept, without inviting a resend.</summary>
    public string UnansweredWhy() => Lost is null ? HistoryText.Unavailable
        : Lost.Recent is { } nodes ? HistoryText.MovingOff(nodes) : HistoryText.NodeOrStoreSilent;
}
