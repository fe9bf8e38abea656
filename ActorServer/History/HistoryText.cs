namespace Switchboard.Server.History;

/// <summary>What the history says, in one place.</summary>
public static class HistoryText
{
    public const string Unavailable = "history store unavailable; try again";
    public const string StoreFull = "history store full (no space left on the server's disk): not kept; try again later";

    /// <summary>The store was asked and did not answer in time: the message may be kept (and then goes out) after all.</summary>
    public const string NoAnswer =
        "history store unavailable: it did not answer in time, so the message may still be kept and delivered; look at the history before sending it again";
    /// <summary>Delivered, but not written: the recipient has it, so nothing here invites a resend, which would reach them
    /// twice (a tester saw "delivered (not kept: history store unavailable; try again)" with PostgreSQL stopped).</summary>
    public static string DeliveredNotKept(string? why) =>
        $"delivered (not kept in the history: {why switch
        {
            StoreFull => "history store full (no space left on the server's disk)",
            null or Unavailable => "history store unavailable",
            _ => why,
        }}; the recipient has it, do not send it again)";

    /// <summary>A cluster whose database another cluster claims writes nothing (StoreClaimActor): its operator is told the rest.</summary>
    public const string ClaimedElsewhere = "history store in use by another cluster of servers: nothing is kept until their operator has stopped one of them";

    /// <summary>How a request nobody answered while the cluster has just lost a node starts: not the store's failure (it
    /// is fine), but its conversation or inbox moving off that node once the cluster has downed it.</summary>
    public const string MovingReason = "conversation moving";

    public static string MovingOff(string nodes) =>
        $"{MovingReason}: node {nodes} stopped answering, and what it held moves to the other nodes once the cluster has downed it " +
        "(about 12 s after it went)";

    public static string Moving(string nodes) => $"{MovingOff(nodes)}; the history store is fine: try again in a few seconds";

    /// <summary><see cref="NoAnswer"/> while a node is lost: sent to a conversation not yet placed, it is written once the
    /// move is done; one sent to the lost node went with it.</summary>
    public static string MovingMayBeKept(string nodes) =>
        $"{MovingOff(nodes)}, so the message may still be kept and delivered once it has moved, or may have been lost " +
        "with that node; look at the history in a few seconds before sending it again";

    /// <summary>A cluster's request nobody answered, with no node known lost: a killed node is not noticed for some 7 s,
    /// and a hanging store is silent too, so neither is blamed alone (a failing store answers in words of its own).</summary>
    public const string NodeOrStoreSilent = "the node holding this conversation or the history store did not answer in time";

    public const string NodeOrStoreSilentQuery =
        NodeOrStoreSilent + " (a node that stopped answering is noticed within about 7 s); try again in a few seconds";

    public const string NodeOrStoreSilentPost =
        NodeOrStoreSilent + ", so the message may still be kept and delivered; look at the history before sending it again";

    public const string NoStore = "this cluster keeps no history (its nodes run without --db)";
    public const string GuestsHaveNoDirectHistory = "only reserved names keep direct-message history: reserve your name first";

    /// <summary><see cref="KeptElsewhere"/>, naming the keeper's client-facing address when it is known.</summary>
    public static string KeptBy(string? keeper) => keeper is null ? KeptElsewhere :
        $"history is kept by another node sharing this data directory, {keeper}: ask there (this node takes it over if that one stops)";

    public const string KeptElsewhere =
        "history is kept by another node sharing this data directory: ask there (this node takes it over if that one stops)";

    public static string NotOnlineNotKept(string to) => $"{to} is not online (messages for the offline are kept only on the node that keeps the history)";

    public static string Stored(string to) => $"stored: {to} is offline, delivered when they return";

    /// <summary>Held because the node serving <paramref name="to"/> did not answer (it may have died with the message).</summary>
    public static string StoredNodeSilent(string to) => $"stored: {to}'s node did not answer; delivered at their next login";
    public static string JoinFirst(string room) => $"join {room} first: only a room's members read its history";
    /// <summary>Kept in the conversation, but the inbox asked to hold it did not answer in time or could not be read (a
    /// shard on a node just lost, a store failing): it may or may not be pushed at login; a resend would keep it twice.</summary>
    public static string KeptNotHeld(string to) =>
        $"kept in your conversation's history, but {to}'s inbox did not answer or could not be read, so {to} may not be shown it at " +
        $"their next login ({to} can read it with history); do not send it again";

    // The message was written to its conversation before the inbox was asked to hold it: it stays there (the recipient
    // reads it with `history`, and it counts in their unread), so the sender is told not to send it again.
    public static string InboxFull(string to) =>
        $"{to} is offline and already has too many messages waiting: yours is kept in your conversation's history, " +
        $"which {to} can read, but is not pushed to them at login; do not send it again";

    public static string InboxFullFromYou(string to, int most) =>
        $"{to} is offline and already has {most} messages from you waiting (the most one sender may leave): yours is kept " +
        $"in your conversation's history, which {to} can read, but is not pushed to them at login; do not send it again";

    public static string InboxFullOfGuests(string to) =>
        $"{to} is offline and already has too many messages waiting from guests (unreserved names): yours is kept in the " +
        $"conversation's history, which {to} can read, but is not pushed to them at login; do not send it again (reserve your name to leave one)";

    /// <summary>The client's host has had too many conversations read back from the store (history.read-backs-per-host-*).</summary>
    public const string ReadBacksSpent = "too many conversations read back from the history store for your host";

    /// <summary>The wait goes in the reply's retry-after (the client prints it, and the scripted one sends it again then).</summary>
    public static string TooManyReadBacks(double perSecond, int burst) => $"{ReadBacksSpent} ({perSecond:0.##}/s, bursts of {burst})";

    /// <summary>A join whose replay the store refused for its host's read-backs: what this node remembers of the room.</summary>
    public const string ReplayedFromMemory = "replayed from this node's memory of the room, without ids: " + ReadBacksSpent;

    public static string TooManyAsked(int most) =>
        $"too many history requests at once (at most {most} waiting): wait for their answers, then ask again";
}
