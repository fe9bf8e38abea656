namespace Switchboard.Server.History;

/// <summary>What the history's journals hold; written by <see cref="HistoryEventSerializer"/>, never as JSON.</summary>
public interface IHistoryEvent;

/// <summary>A conversation's message; its id is the event's sequence number (from 1, gap-free, in order).</summary>
public sealed record MessagePosted(string From, string Text, long TimeMs) : IHistoryEvent;

/// <summary>An inbox's: message <paramref name="MsgId"/> of <paramref name="Conversation"/> waits for its owner's next
/// login.</summary>
public sealed record MessageHeld(string Conversation, long MsgId) : IHistoryEvent;

/// <summary>An inbox's: the held messages up to the one held by event <paramref name="UpTo"/> reached their owner.</summary>
public sealed record HeldDelivered(long UpTo) : IHistoryEvent;

/// <summary>An inbox's: its owner has read <paramref name="Conversation"/> up to <paramref name="MsgId"/>.</summary>
public sealed record MarkedRead(string Conversation, long MsgId) : IHistoryEvent;

/// <summary>An inbox's: its name changed hands (reserved anew, or released); everything before is forgotten.</summary>
public sealed record InboxCleared : IHistoryEvent
{
    public static readonly InboxCleared Instance = new();
}
