using Akka.Actor;

namespace Switchboard.Server.History;

// Session ↔ the node's history (HistoryActor and the conversations and inboxes under it). Each request carries the
// session's ticket (its client's request id) and is answered to the sender once; a session that hears nothing in
// switchboard.history.timeout answers its client 503 itself.
// In a cluster the conversations and inboxes are sharded entities on any node: what crosses between nodes is marked
// IHistoryWireMessage (the node side's signed serializer, ClusterWireSerializer, carries it; see HistoryWireCodec).

/// <summary>Marker for the history messages that cross between cluster nodes.</summary>
public interface IHistoryWireMessage;

/// <summary>Keep <paramref name="Text"/> in <paramref name="Conversation"/>; answered with <see cref="Posted"/> once the
/// journal has it, or <see cref="HistoryFailed"/>. <paramref name="Host"/>: the host of the client the request is for, as the node's transport saw its connection (the
/// session sets it, never the client); a read-back the request causes is charged to it (<see cref="HistoryActor"/>, single
/// host; not carried between cluster nodes); null: no client's, charged nothing.</summary>
public sealed record Post(Conversation Conversation, long Ticket, string From, string Text, string? Host = null) : IHistoryWireMessage;

/// <summary>This node does not keep the history (another node sharing its data directory does): the message goes out
/// as a guest's would, unkept.</summary>
public sealed record NotKept(long Ticket);

/// <summary>Kept as message <paramref name="MsgId"/> at the server's <paramref name="TimeMs"/>.</summary>
public sealed record Posted(long Ticket, Conversation Conversation, long MsgId, long TimeMs) : IHistoryWireMessage;

/// <summary>The store could not do it (503), the request is not allowed (403, 422), or its host caused too many
/// read-backs (429, with <paramref name="RetryAfter"/>: when one would be allowed).</summary>
public sealed record HistoryFailed(long Ticket, int Code, string Error, TimeSpan RetryAfter = default) : IHistoryWireMessage;

/// <summary>Read <paramref name="Conversation"/> (a query's window, <see cref="HistoryWindow"/>), only messages from
/// <paramref name="SinceMs"/> on; answered with <see cref="HistoryPage"/>. <paramref name="Host"/>: charged for the read-backs it causes, as a
/// <see cref="Post"/>'s.</summary>
public sealed record ReadHistory(Conversation Conversation, long Ticket, HistoryAnchor Anchor, long At, int Count, long SinceMs = 0,
    string? Host = null) : IHistoryWireMessage;

/// <summary>A query's messages, oldest first; <paramref name="Trimmed"/> ids at the start are gone.</summary>
public sealed record HistoryPage(long Ticket, Conversation Conversation, ChatLine[] Lines, long Trimmed, long LastId) : IHistoryWireMessage;

/// <summary>Inbox → conversation: these ids (held for the inbox's owner), and the newest id; answered with
/// <see cref="Fetched"/>. <paramref name="Counted"/> are held for later pages: only how many of them are still kept
/// (from <paramref name="SinceMs"/> on) and how many retention trimmed, so that the first page's notice can say what
/// will arrive and what will not before their texts are read. With a <paramref name="Reader"/>, also how many messages
/// after <paramref name="ReadUpTo"/> (the reader's marker) are unread by them: those of everyone else. <paramref name="Host"/>:
/// a session's count for its client's `rooms` or `who` is charged to its client's host, as a <see cref="ReadHistory"/> is
/// (an inbox's gathering is charged nothing); past the host's budget it is answered <see cref="NotCounted"/>.</summary>
public sealed record Fetch(Conversation Conversation, long Ticket, long[] Ids, long[]? Counted = null, long SinceMs = 0,
    string? Reader = null, long ReadUpTo = 0, string? Host = null) : IHistoryWireMessage;

/// <summary>A <see cref="Fetch"/> for an unread count that would have read <paramref name="Conversation"/> back from the
/// store past its host's budget: not counted (its list goes out without that count). Single host. Not a
/// <see cref="HistoryFailed"/>: the ticket is the counting session's own, not a client's request id.</summary>
public sealed record NotCounted(long Ticket, Conversation Conversation);

/// <summary><paramref name="Kept"/> and <paramref name="Gone"/> count the fetch's <c>Counted</c> ids: still kept from its
/// SinceMs on, and no longer kept (kept but older counts in neither: it was never this owner's). <paramref name="Unread"/>
/// answers a fetch with a reader: its messages after the marker not written by the reader (one retention trimmed counts,
/// its sender no longer known); null without a reader.</summary>
public sealed record Fetched(long Ticket, Conversation Conversation, ChatLine[] Lines, long LastId, int Kept = 0, int Gone = 0,
    long? Unread = null) : IHistoryWireMessage;

/// <summary>Message <paramref name="MsgId"/> of <paramref name="Conversation"/> waits for <paramref name="Owner"/>'s next
/// login; answered with <see cref="HeldOk"/> once the journal has it, or <see cref="HistoryFailed"/>.</summary>
public sealed record Hold(string Owner, long Ticket, Conversation Conversation, long MsgId) : IHistoryWireMessage;

public sealed record HeldOk(long Ticket) : IHistoryWireMessage;

/// <summary>A session of <paramref name="Owner"/>, reserved since <paramref name="SinceMs"/>, started: what waited for it
/// (nothing older than its reservation), and its unread counts; answered with <see cref="AwayReport"/>, a page at a time.
/// <paramref name="Next"/>: the next page, once the last one was delivered (no unread counts again).</summary>
public sealed record CollectAway(string Owner, long SinceMs = 0, long Ticket = 0, bool Next = false) : IHistoryWireMessage;

/// <summary>The name was reserved anew or released: its inbox (held messages, read markers) is emptied.</summary>
public sealed record ClearInbox(string Owner) : IHistoryWireMessage;

/// <summary><paramref name="Owner"/> left the room <paramref name="Conversation"/>: its read marker there goes, which
/// would count the room's new messages as unread at every login (nobody answers; nothing else changes).</summary>
public sealed record ForgetMarker(string Owner, Conversation Conversation) : IHistoryWireMessage;

/// <summary>The messages that arrived while <c>Owner</c> was away, in the order they were kept, and what is unread per
/// conversation it has a marker in. The session pushes them, then answers <see cref="AwayDelivered"/>.</summary>
/// <paramref name="UpTo"/> names the last held message it covers (the session answers it back once they are pushed; 0:
/// forget nothing); <paramref name="Trimmed"/> were held but trimmed by retention before they could be delivered;
/// <paramref name="More"/> are held after this page (the session asks for them once this one is delivered), of which
/// <paramref name="Later"/> are still kept and will arrive. The first page counts the later pages' too (its Trimmed is
/// the whole inbox's, and Later is set), as its notice is the only one the client gets; a later page's are its own.
public sealed record AwayReport(AwayLine[] Lines, (Conversation Conversation, long Unread)[] Unread, long UpTo, long Trimmed = 0, long Ticket = 0,
    int More = 0, int Later = 0) : IHistoryWireMessage;

public sealed record AwayLine(Conversation Conversation, ChatLine Line);

/// <summary>The held messages up to <paramref name="UpTo"/> (an <see cref="AwayReport"/>'s) reached their owner: the inbox
/// forgets them.</summary>
public sealed record AwayDelivered(string Owner, long UpTo) : IHistoryWireMessage;

/// <summary><paramref name="Owner"/> has read <paramref name="Conversation"/> up to <paramref name="MsgId"/>; answered with
/// <see cref="MarkedOk"/> (the marker, which only moves forward) or <see cref="HistoryFailed"/>. <paramref name="Host"/>: charged for the read-backs it causes, as a
/// <see cref="Post"/>'s.</summary>
public sealed record MarkReadUpTo(string Owner, long Ticket, Conversation Conversation, long MsgId, long SinceMs = 0,
    string? Host = null) : IHistoryWireMessage;

public sealed record MarkedOk(long Ticket, long Marker) : IHistoryWireMessage;

/// <summary>History → a conversation or inbox it lets go (idle, or the least recently used past max-live): stop after
/// what is already in the mailbox (a persistent actor handles it only after its pending writes, unlike PoisonPill).</summary>
public sealed record StopChild
{
    public static readonly StopChild Instance = new();
}

/// <summary>History → a room's conversation (or a direct one with a guest): the store holds too many of them (<see cref="ConversationLedger"/>) and this
/// one's goes, every row of it (the flagged one of the highest id too, so its ids start again from 1); then it stops,
/// after its pending writes, like <see cref="StopChild"/>.</summary>
public sealed record ForgetRoom
{
    public static readonly ForgetRoom Instance = new();
}

/// <summary>Conversation → history: a read marker its conversation has checked, for the reader's inbox.</summary>
public sealed record MarkChecked(MarkReadUpTo Mark) : IHistoryWireMessage;

/// <summary>A conversation or inbox → history: it is stopping after a failed write or read; what comes for it now waits for
/// its successor (told before anyone hears the failure, so a retry never reaches the stopping one).</summary>
public sealed record ChildStopping(IActorRef Child);

/// <summary>A child of the single host's <see cref="HistoryActor"/> has read its journal back: the next one may start.</summary>
public sealed record ChildReadBack(IActorRef Child);
