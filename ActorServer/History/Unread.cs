namespace Switchboard.Server.History;

/// <summary>Where a reader's unread messages start in a conversation.</summary>
public static class Unread
{
    /// <summary>After <paramref name="marker"/>, unless the conversation's newest id is below it: its history was dropped
    /// whole (<c>kept-rooms</c>, <c>kept-guest-conversations</c>) and its ids started again from 1, so all of it is
    /// new to the reader.</summary>
    public static long From(long marker, long lastId) => marker <= lastId ? marker : 0;

    /// <summary>How many of a fetched conversation's messages after <paramref name="marker"/> are unread by the fetch's
    /// reader: those of others, as the conversation counted them; a node before that count answers without it, and
    /// then every id after the marker counts.</summary>
    public static long Of(Fetched fetched, long marker) => fetched.Unread ?? fetched.LastId - From(marker, fetched.LastId);
}
