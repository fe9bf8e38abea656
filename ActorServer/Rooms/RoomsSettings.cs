using Akka.Configuration;

namespace Switchboard.Server.Rooms;

/// <summary>This node's rooms (<c>switchboard.*</c> in server.hocon).</summary>
/// <param name="History">Messages of each room kept and replayed to a client who joins.</param>
/// <param name="HistoryBytes">Text bytes of each room's history at most (the oldest go first).</param>
/// <param name="MaxRooms">Rooms whose replay history this node keeps; past it a room nobody here is in gives its place
/// to a new one, and with none such a new room has no replay here (it is joined and works all the same).</param>
/// <param name="PerClient">Rooms one client may be in at once; a join past it is 429.</param>
public sealed record RoomsSettings(int History, int HistoryBytes, int MaxRooms, int PerClient)
{
    public static RoomsSettings Create(Config config) => new(
        config.RequiredInt("switchboard.room-history"),
        config.RequiredInt("switchboard.rooms.history-bytes"),
        config.RequiredInt("switchboard.rooms.max-rooms"),
        config.RequiredInt("switchboard.rooms.per-client"));
}
