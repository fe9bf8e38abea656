using Akka.Configuration;

namespace Switchboard.Server.History;

/// <summary>What the history keeps and how it answers (<c>switchboard.history.*</c> in server.hocon).</summary>
/// <param name="MaxMessages">Messages a conversation keeps; older ones are trimmed from the store.</param>
/// <param name="MaxBytes">Text bytes a conversation keeps (UTF-16, 2 a char, as an upper bound of its memory).</param>
/// <param name="MaxAge">How long a message is kept.</param>
/// <param name="MaxQuery">The most messages one query returns, whatever it asks (at most <see cref="Limits.MaxHistoryCount"/>).</param>
/// <param name="Replay">Messages a client joining a room is replayed.</param>
/// <param name="IdleAfter">A conversation or inbox nobody used for this long leaves memory (it stays in the store).</param>
/// <param name="MaxLive">Conversations and inboxes in memory at once; past it the least recently used leaves.</param>
/// <param name="MaxHeld">Messages an inbox holds for its offline owner; past it a DM to them is answered 503.</param>
/// <param name="MaxHeldFrom">Of those, from one sender: one sender cannot fill someone's inbox for everyone else.</param>
/// <param name="MaxHeldFromGuests">Of those, from unreserved senders together (guest names cost nothing to make).</param>
/// <param name="Timeout">How long a session waits for the store before answering 503.</param>
/// <param name="KeptRooms">Rooms whose history the store holds at most (<see cref="ConversationLedger"/>); past it the room
/// written least recently loses its history.</param>
/// <param name="KeptGuestConversations">Direct conversations with a guest party whose history the store holds at most;
/// past it the one written least recently loses its history.</param>
/// <param name="KeeperRetry">How often a node that does not keep its data directory's history tries to take it over.</param>
public sealed record HistorySettings(int MaxMessages, int MaxBytes, TimeSpan MaxAge, int MaxQuery, int Replay, TimeSpan IdleAfter,
    int MaxLive, int MaxHeld, int MaxHeldFrom, TimeSpan Timeout, TimeSpan KeeperRetry, int MaxHeldFromGuests, int KeptRooms, int KeptGuestConversations)
{
    public static HistorySettings Create(Config config)
    {
        var s = new HistorySettings(
            config.RequiredInt("switchboard.history.max-messages"),
            config.RequiredInt("switchboard.history.max-bytes"),
            config.RequiredTimeSpan("switchboard.history.max-age"),
            config.RequiredInt("switchboard.history.max-query"),
            config.RequiredInt("switchboard.history.replay"),
            config.RequiredTimeSpan("switchboard.history.idle-after"),
            config.RequiredInt("switchboard.history.max-live"),
            config.RequiredInt("switchboard.history.max-held"),
            config.RequiredInt("switchboard.history.max-held-from-one"),
            config.RequiredTimeSpan("switchboard.history.timeout"),
            config.RequiredTimeSpan("switchboard.history.keeper-retry"),
            config.RequiredInt("switchboard.history.max-held-from-guests"),
            config.RequiredInt("switchboard.history.kept-rooms"),
            config.RequiredInt("switchboard.history.kept-guest-conversations"));
        if (s.MaxMessages < 1 || s.MaxBytes < 1 || s.MaxAge <= TimeSpan.Zero || s.MaxQuery is < 1 or > Limits.MaxHistoryCount
            || s.Replay < 0 || s.IdleAfter <= TimeSpan.Zero || s.MaxLive < 1 || s.MaxHeld < 1 || s.MaxHeldFrom < 1 || s.MaxHeldFromGuests < 1 || s.KeptRooms < 1 || s.KeptGuestConversations < 1 || s.Timeout <= TimeSpan.Zero || s.KeeperRetry <= TimeSpan.Zero)
            throw new ConfigurationException(
                $"switchboard.history: max-messages, max-bytes, max-live, max-held, max-held-from-one, max-held-from-guests, kept-rooms and kept-guest-conversations must be at least 1, max-query 1-{Limits.MaxHistoryCount}, replay at least 0, the times positive");
        return s;
    }
}
