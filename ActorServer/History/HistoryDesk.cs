using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>What a session needs of the node's history: the history actor, which names are reserved, and its settings.</summary>
/// A DM is kept when either party is reserved (guests' DMs stay online-only): see SessionChat.
/// <param name="Reservations">Where a change of <paramref name="Reserved"/> is told (<c>ReservationChanged</c>,
/// <c>ReservationHeard</c>): the accounts' system's event stream, the node side's in cluster mode; null: the node's own.</param>
/// <param name="Unfinished">Where an ending session hands over its kept DMs not yet held (<see cref="UnfinishedHoldsActor"/>);
/// null: nowhere.</param>
public sealed record HistoryDesk(IActorRef Actor, ReservedNames Reserved, HistorySettings Settings, Akka.Event.EventStream? Reservations = null,
    IActorRef? Unfinished = null);
