using Akka.Actor;

namespace Switchboard.Server.Rooms;

// Session ↔ this node's rooms actor.

/// <summary>Join <paramref name="Room"/>; answered with <see cref="RoomJoined"/>.</summary>
public sealed record JoinLocal(long Id, string Room, IActorRef Session);

/// <summary>Joined, with the room's recent messages to replay (none when already a member).</summary>
public sealed record RoomJoined(long Id, string Room, (string From, string Text)[] History, bool AlreadyMember = false);

/// <summary>Leave <paramref name="Room"/>; answered with <see cref="RoomLeft"/>.</summary>
public sealed record LeaveLocal(long Id, string Room, IActorRef Session);

public sealed record RoomLeft(long Id, string Room, bool WasMember);

/// <summary>The session is going away; drop it from every room.</summary>
public sealed record LeaveAll(IActorRef Session);

/// <summary>Which rooms this node knows; answered with <see cref="RoomsList"/>.</summary>
public sealed record RoomsQuery(long Id, IActorRef Session);

public sealed record RoomsList(long Id, RoomEntry[] Rooms);

/// <summary>The join was refused: a bad name (422) or too many rooms for the client (429).</summary>
public sealed record RoomRefused(long Id, string Room, int Code, string Error);
