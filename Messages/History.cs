namespace Switchboard.Messages;

/// <summary>Where a <see cref="HistoryQuery"/> query looks from, as IRCv3's CHATHISTORY has it.</summary>
public enum HistoryAnchor
{
    /// <summary>Not a known anchor (what an unknown number decodes as): answered 422.</summary>
    None = 0,
    /// <summary>The newest messages; <see cref="HistoryQuery.At"/> is unused.</summary>
    Latest = 1,
    /// <summary>Messages with ids below <see cref="HistoryQuery.At"/>, the newest of them.</summary>
    Before = 2,
    /// <summary>Messages with ids above <see cref="HistoryQuery.At"/>, the oldest of them.</summary>
    After = 3,
    /// <summary>Messages around <see cref="HistoryQuery.At"/>: half before it, it, the rest after.</summary>
    Around = 4,
}

/// <summary>Client → session: a conversation's kept messages, <paramref name="Conversation"/> being <c>#room</c> (a room
/// the client is in) or a client's name (the direct messages between the two). At most <paramref name="Count"/>, never
/// more than the server's bound. Answered with <see cref="HistoryReply"/>.</summary>
public sealed record HistoryQuery(long Id, string Conversation, HistoryAnchor Anchor, long At, int Count) : ISwitchboardMessage;

/// <summary>One kept message: its id in its conversation (from 1, gap-free, in order) and the server's time of it.</summary>
public sealed record ChatLine(long Id, string From, string Text, long TimeMs);

/// <summary>The answer to <see cref="HistoryQuery"/>: its messages oldest first; <paramref name="Trimmed"/> messages at the
/// start of the conversation are gone (retention), and <paramref name="LastId"/> is the newest id it has.</summary>
public sealed record HistoryReply(long Id, int Code, long ClientSeq, long ServerSeq, string Conversation, ChatLine[] Messages,
    long Trimmed, long LastId, string? Error) : IReply;


/// <summary>Unread messages in one conversation (after its reader's marker).</summary>
public sealed record UnreadEntry(string Conversation, long Count);

/// <summary>Session → client at login: <paramref name="Arrived"/> messages came while it was away (they follow, marked
/// offline), and what is unread per conversation it has a read marker in; <paramref name="Trimmed"/> more came but
/// retention removed them before the client returned (missed). <paramref name="Unfetched"/>: the store did not answer
/// (asked for 30 s): what arrived while away could not be fetched now and comes at the next login.</summary>
public sealed record AwayNotice(long Arrived, UnreadEntry[] Unread, long Trimmed = 0, bool Unfetched = false) : ISwitchboardMessage;
