using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>What a session needs of the node's history: the history actor, which names are reserved, and its settings.</summary>
public sealed record HistoryDesk(IActorRef Actor, ReservedNames Reserved, HistorySettings Settings)
{
    /// <summary>Whether a DM between these two is kept: it is when either name is reserved (guests' DMs stay online-only).</summary>
    public bool Keeps(string from, string to) => Reserved.IsReserved(from) || Reserved.IsReserved(to);
}
