namespace Switchboard.Server.History;

/// <summary>What the history says, in one place.</summary>
public static class HistoryText
{
    public const string Unavailable = "history store unavailable; try again";
    public const string NoStore = "this server keeps no history (cluster mode; history needs a single-host server with its data store)";
    public const string GuestsHaveNoDirectHistory = "only reserved names keep direct-message history: reserve your name first";

    public static string Stored(string to) => $"stored: {to} is offline, delivered when they return";
    public static string JoinFirst(string room) => $"join {room} first: only a room's members read its history";
    public static string InboxFull(string to) => $"{to} is offline and already has too many messages waiting";
}
