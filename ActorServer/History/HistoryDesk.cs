using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>What a session needs of the node's history: the history actor, which names are reserved, and its settings.</summary>
/// A DM is kept when either party is reserved (guests' DMs stay online-only): see SessionChat.
public sealed record HistoryDesk(IActorRef Actor, ReservedNames Reserved, HistorySettings Settings);
