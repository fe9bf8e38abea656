using Akka.Actor;

namespace Switchboard.Server.Registry.Protocol;

// Session → registry: every reply to a client is counted there (clientSeq, serverSeq) and sent from there, so a
// request costs one local hop and no Ask. A claim that is no longer the registry's is answered 503.

/// <summary>Count one reply and send <paramref name="Outcome"/> to the client, stamped with both sequence numbers.</summary>
/// <param name="Started">When the session took the request (<c>Stopwatch.GetTimestamp</c>), for the latency metric; 0: not measured.</param>
public sealed record CountAndReply(ClaimHandle Claim, IActorRef Client, long Id, OpOutcome Outcome, long Started = 0);

/// <summary>One answered request of a batch, not yet counted.</summary>
public readonly record struct Answered(long Id, OpOutcome Outcome);

/// <summary>Count the replies to one request batch in one step and send them to the client as one <see cref="ReplyBatch"/>.</summary>
public sealed record CountAndReplyBatch(ClaimHandle Claim, IActorRef Client, Answered[] Replies);

/// <summary>Count the unregister reply, free the name, then answer the client.</summary>
public sealed record ReleaseAndReply(ClaimHandle Claim, string Name, IActorRef Client, long Id);

/// <summary>Who is online (every node); counted and answered with a <see cref="WhoReply"/>. <paramref name="Unread"/>: a
/// reserved name's unread direct messages by sender, set on their entries.</summary>
public sealed record WhoQuery(ClaimHandle Claim, IActorRef Client, long Id, IReadOnlyDictionary<string, long>? Unread = null);

/// <summary>Count one reply and send the rooms this node knows as a <see cref="RoomsReply"/>.</summary>
public sealed record CountAndListRooms(ClaimHandle Claim, IActorRef Client, long Id, RoomEntry[] Rooms);

/// <summary>Count one reply and send a history query's page as a <see cref="HistoryReply"/>.</summary>
public sealed record CountAndHistory(ClaimHandle Claim, IActorRef Client, long Id, string Conversation, ChatLine[] Lines, long Trimmed, long LastId);
