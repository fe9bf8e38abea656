using Akka.Actor;
using Switchboard.Server.Operations;
using Switchboard.Server.State;

namespace Switchboard.Server.Protocol;

// Local messages between gateway, sessions and the state actor. They never cross the wire.

/// <summary>Gateway → state: claim a name for <paramref name="Client"/>.</summary>
public sealed record ClaimName(string Name, IActorRef Client);

/// <summary>State → gateway: the name is claimed in the segment.</summary>
public sealed record NameClaimed(string Name, IActorRef Client, SlotHandle Slot, SeqPair Seq);

/// <summary>State → gateway: the claim failed; <paramref name="Code"/> is 409 or 503.</summary>
public sealed record NameRefused(string Name, IActorRef Client, int Code, string Error);

/// <summary>Session → state: count one reply and send it to the client, stamped with both sequence numbers.</summary>
public sealed record CountAndReply(SlotHandle Slot, IActorRef Client, long Id, OpOutcome Outcome);

/// <summary>Session → state: count the unregister reply, free the name, then answer the client.</summary>
public sealed record ReleaseAndReply(SlotHandle Slot, string Name, IActorRef Client, long Id);

/// <summary>Session → state: free the name (client gone, session stopping). A stale slot is ignored.</summary>
public sealed record ReleaseName(SlotHandle Slot, string Name, string Reason);

/// <summary>Anyone → state: a consistent snapshot of the segment.</summary>
public sealed record GetSnapshot
{
    public static readonly GetSnapshot Instance = new();
}

/// <summary>State → itself: heartbeat the node and reap dead nodes.</summary>
public sealed record Maintain
{
    public static readonly Maintain Instance = new();
}

/// <summary>Any → state: count one reply and send the message <paramref name="Build"/> makes from the numbers
/// (for the rarer replies: who, rooms, chat). The hot path uses <see cref="CountAndReply"/>.</summary>
public sealed record CountAndSend(SlotHandle Slot, IActorRef Client, long Id, Func<SeqPair, Switchboard.Messages.ISwitchboardMessage> Build);

/// <summary>Session → state: who is online (all nodes); the state counts and replies to the client.</summary>
public sealed record WhoQuery(SlotHandle Slot, IActorRef Client, long Id);

/// <summary>Session → state: find <paramref name="To"/>'s node and deliver there; the answer goes to <paramref name="Session"/>.</summary>
public sealed record RouteTell(long Id, string From, string To, string Text, IActorRef Session);

/// <summary>Session → state: send to every live node (a broadcast, or a room when <paramref name="Room"/> is set).</summary>
public sealed record RouteFanout(long Id, string From, string? Room, string Text, IActorRef Session);

/// <summary>State → session: how routing went (404 nobody of that name; 200 with the recipients of a broadcast).</summary>
public sealed record RouteResult(long Id, int Code, string? Error, long Recipients, string? Room = null);

/// <summary>State → gateway and rooms: names that came and went since the last look, on any node, and the live nodes.</summary>
public sealed record PresenceChanged(IReadOnlyList<ClientEntry> Joined, IReadOnlyList<ClientEntry> Left, IReadOnlySet<string> Nodes);

/// <summary>Session → rooms: join, answered with <see cref="RoomJoined"/>.</summary>
public sealed record JoinLocal(long Id, string Room, IActorRef Session);

public sealed record RoomJoined(long Id, string Room, (string From, string Text)[] History, bool AlreadyMember = false);

public sealed record LeaveLocal(long Id, string Room, IActorRef Session);

public sealed record RoomLeft(long Id, string Room, bool WasMember);

/// <summary>Session → rooms: the session is going away; drop it from every room.</summary>
public sealed record LeaveAll(IActorRef Session);

public sealed record RoomsQuery(long Id, IActorRef Session);

public sealed record RoomsList(long Id, Switchboard.Messages.RoomEntry[] Rooms);
