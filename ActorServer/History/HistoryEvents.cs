namespace Switchboard.Server.History;

/// <summary>What the history's journals and snapshots hold; written by <see cref="HistoryEventSerializer"/>, never as JSON.</summary>
public interface IHistoryEvent;

/// <summary>A conversation's message. Written alone (by a version before <see cref="MessagesPosted"/>), its id is the event's
/// sequence number (from 1, gap-free, in order); in a <see cref="MessagesPosted"/>, its place there says its id.</summary>
public sealed record MessagePosted(string From, string Text, long TimeMs) : IHistoryEvent;

/// <summary>
/// A conversation's messages written as one event: those that came while the one before was being written. Their ids are
/// <paramref name="FirstId"/>, the next, and so on (gap-free, in order, across events). One event for many messages is one
/// row, one serialization and one journal answer instead of one each: what a kept message costs beyond an unkept one.
/// </summary>
public sealed record MessagesPosted(long FirstId, IReadOnlyList<MessagePosted> Messages) : IHistoryEvent
{
    public long LastId => FirstId + Messages.Count - 1;

    public bool Equals(MessagesPosted? other) => other is not null && FirstId == other.FirstId && Messages.SequenceEqual(other.Messages);

    public override int GetHashCode() => HashCode.Combine(FirstId, Messages.Count);
}

/// <summary>
/// A conversation's newest id and newest message's time, written before retention deletes its newest message event: the
/// journal keeps only the highest sequence number of what it deletes, and an event's sequence number is not its ids, so
/// without this a conversation read back with every message deleted would not know where its ids go on.
/// </summary>
public sealed record IdsReached(long LastId, long NewestMs) : IHistoryEvent;

/// <summary>An inbox's: message <paramref name="MsgId"/> of <paramref name="Conversation"/> waits for its owner's next
/// login.</summary>
public sealed record MessageHeld(string Conversation, long MsgId) : IHistoryEvent;

/// <summary>An inbox's: the held messages up to the one held by event <paramref name="UpTo"/> reached their owner.</summary>
public sealed record HeldDelivered(long UpTo) : IHistoryEvent;

/// <summary>An inbox's: the held message of event <paramref name="Seq"/> gave its place to another sender's (the inbox was
/// full, and its sender held the most); it stays in its conversation's history, it is only not pushed at the login.</summary>
public sealed record HeldDropped(long Seq) : IHistoryEvent;

/// <summary>An inbox's: its owner has read <paramref name="Conversation"/> up to <paramref name="MsgId"/>.</summary>
public sealed record MarkedRead(string Conversation, long MsgId) : IHistoryEvent;

/// <summary>An inbox's: its owner left <paramref name="Conversation"/> (a room), and its marker there is gone.</summary>
public sealed record MarkerForgotten(string Conversation) : IHistoryEvent;

/// <summary>An inbox's: its name changed hands (reserved anew, or released); everything before is forgotten.</summary>
public sealed record InboxCleared : IHistoryEvent
{
    public static readonly InboxCleared Instance = new();
}

/// <summary>An inbox's whole state, saved in the snapshot store so that its journal can be deleted up to it: the held
/// messages (with the sequence number of the event that held each) and the read markers, in the orders the inbox keeps.</summary>
public sealed record InboxSnapshot(IReadOnlyList<(string Conversation, long MsgId, long Seq)> Held, IReadOnlyList<(string Conversation, long MsgId)> Read)
    : IHistoryEvent
{
    public bool Equals(InboxSnapshot? other) => other is not null && Held.SequenceEqual(other.Held) && Read.SequenceEqual(other.Read);

    public override int GetHashCode() => HashCode.Combine(Held.Count, Read.Count);
}
