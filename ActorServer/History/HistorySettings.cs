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
/// <param name="MaxReading">Conversations and inboxes read back from the store at once (single host); the others wait
/// their turn, a requester's at a time.</param>
/// <param name="ReadBacksPerHostPerSecond">Read-backs one host's clients may cause a second on average (0: no bound);
/// past them and <paramref name="ReadBacksPerHostBurst"/> a request that needs one is answered 429 with a wait.</param>
/// <param name="ReadBacksPerHostBurst">Read-backs one host's clients may cause at once.</param>
/// <param name="KeeperRetry">How often a node that does not keep its data directory's history tries to take it over.</param>
public sealed record HistorySettings(int MaxMessages, int MaxBytes, TimeSpan MaxAge, int MaxQuery, int Replay, TimeSpan IdleAfter,
    int MaxLive, int MaxHeld, int MaxHeldFrom, TimeSpan Timeout, TimeSpan KeeperRetry, int MaxHeldFromGuests, int KeptRooms, int KeptGuestConversations,
    int MaxReading, double ReadBacksPerHostPerSecond, int ReadBacksPerHostBurst)
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
            config.RequiredInt("switchboard.history.kept-guest-conversations"),
            config.RequiredInt("switchboard.history.max-reading"),
            config.RequiredDouble("switchboard.history.read-backs-per-host-per-second"),
            config.RequiredInt("switchboard.history.read-backs-per-host-burst"));
        new SettingChecks("switchboard.history")
            .AtLeast("max-messages", s.MaxMessages, 1).AtLeast("max-bytes", s.MaxBytes, 1).Positive("max-age", s.MaxAge)
            .Between("max-query", s.MaxQuery, 1, Limits.MaxHistoryCount).AtLeast("replay", s.Replay, 0)
            .Positive("idle-after", s.IdleAfter).AtLeast("max-live", s.MaxLive, 1).AtLeast("max-held", s.MaxHeld, 1)
            .AtLeast("max-held-from-one", s.MaxHeldFrom, 1).AtLeast("max-held-from-guests", s.MaxHeldFromGuests, 1)
            .AtLeast("kept-rooms", s.KeptRooms, 1).AtLeast("kept-guest-conversations", s.KeptGuestConversations, 1)
            .AtLeast("max-reading", s.MaxReading, 1).AtLeast("read-backs-per-host-per-second", s.ReadBacksPerHostPerSecond, 0)
            .AtLeast("read-backs-per-host-burst", s.ReadBacksPerHostBurst, 1)
            .Positive("timeout", s.Timeout).Positive("keeper-retry", s.KeeperRetry)
            .ThrowIfAny();
        return s;
    }
}
