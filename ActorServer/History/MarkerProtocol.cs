namespace Switchboard.Server.History;

// Session ↔ a reserved name's inbox, for the unread counts of `rooms` and `who` (SessionUnread). Beside
// HistoryProtocol.cs: the markers are only read here, never moved. Between cluster nodes like the rest of the history
// (IHistoryWireMessage, HistoryWireCodec).

/// <summary>The read markers of <paramref name="Owner"/> in <paramref name="Of"/> (null: in every direct conversation);
/// answered with <see cref="MarkersRead"/>, which names only the conversations that have one.</summary>
public sealed record ReadMarkers(string Owner, long Ticket, Conversation[]? Of) : IHistoryWireMessage;

public sealed record MarkersRead(long Ticket, (Conversation Conversation, long Marker)[] Markers) : IHistoryWireMessage;
