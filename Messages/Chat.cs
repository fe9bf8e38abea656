using Akka.Actor;

namespace Switchboard.Messages;

// Client → session. Every one is answered with one reply carrying both sequence numbers.

/// <summary>Who is online, on every node sharing the segment.</summary>
public sealed record Who(long Id) : ISwitchboardMessage;

/// <summary>Text to everyone else online, or to the members of <paramref name="Room"/> when given.</summary>
public sealed record Say(long Id, string? Room, string Text) : ISwitchboardMessage;

/// <summary>Text to one client, on any node.</summary>
public sealed record Tell(long Id, string To, string Text) : ISwitchboardMessage;

public sealed record JoinRoom(long Id, string Room) : ISwitchboardMessage;

public sealed record LeaveRoom(long Id, string Room) : ISwitchboardMessage;

public sealed record ListRooms(long Id) : ISwitchboardMessage;

/// <summary>Turn join/leave notices on or off for this client.</summary>
public sealed record SetPresence(long Id, bool On) : ISwitchboardMessage;

/// <summary>A chat command by name (<c>markread</c>, ...), answered with a <see cref="Reply"/>: what a command travels as
/// when its answer is a reply like any other, so adding one needs no wire type (the session looks its verb up).</summary>
public sealed record ChatCommand(long Id, string Verb, string[] Args) : ISwitchboardMessage;

/// <summary>Flow control: the client has processed <paramref name="Received"/> pushed events in all.</summary>
public sealed record Ack(long Received) : ISwitchboardMessage;

// Session → client.

/// <summary>One client online. <paramref name="Unread"/>: for a reserved name's <c>who</c>, the direct messages from this
/// one after the reader's read marker in their conversation (null: no marker there, or the reader is a guest).</summary>
public sealed record PresenceEntry(string Name, string Node, long SinceMs, long? Unread = null);

/// <summary><paramref name="More"/>: clients online but not listed, past what one answer can carry (cluster mode).</summary>
public sealed record WhoReply(long Id, int Code, long ClientSeq, long ServerSeq, PresenceEntry[] Clients, string? Error, int More = 0) : IReply;

/// <summary>One room this node knows. <paramref name="Unread"/>: for a reserved member's <c>rooms</c>, the room's messages
/// after the reader's read marker (null: not a member, no marker there, or the reader is a guest).</summary>
public sealed record RoomEntry(string Name, int Members, int History, long? Unread = null);

public sealed record RoomsReply(long Id, int Code, long ClientSeq, long ServerSeq, RoomEntry[] Rooms, string? Error) : IReply;

/// <summary>A message for the client: direct, to everyone, or to a room; <paramref name="Replay"/> marks room history.
/// A kept message (a room's, or a DM to or from a reserved name, on a server with a store) carries its id in its
/// conversation and the server's time; <paramref name="Offline"/> marks one that arrived while the client was away.</summary>
public sealed record Incoming(string From, string Text, bool Direct, string? Room, bool Replay, long MsgId = 0, long TimeMs = 0,
    bool Offline = false) : ISwitchboardMessage;

public sealed record PresenceEvent(string Name, string Node, bool Joined) : ISwitchboardMessage;

/// <summary>Who came and went since the last look, one message per look: a few names, and counts past
/// <see cref="Limits.MaxPresenceNames"/> (a thousand clients joining at once must not mean a million messages).</summary>
public sealed record PresenceBatch(PresenceEvent[] Events, int MoreJoined, int MoreLeft) : ISwitchboardMessage;

/// <summary>A message of this client's was dropped because its recipient is not keeping up.</summary>
public sealed record Dropped(string To, string Reason, int Others = 0) : ISwitchboardMessage;

// Node → node.

/// <summary>To the gateway of the recipient's node; answered with <see cref="Delivered"/> to <paramref name="ReplyTo"/>.</summary>
public sealed record Deliver(long Id, string From, string To, string Text, IActorRef ReplyTo, long MsgId = 0, long TimeMs = 0) : ISwitchboardMessage;

public sealed record Delivered(long Id, int Code, string? Error) : ISwitchboardMessage;

/// <summary>To every node: a broadcast (no room) or a room message; <paramref name="ReplyTo"/> hears of drops.</summary>
public sealed record Fanout(string From, string? Room, string Text, IActorRef ReplyTo, long MsgId = 0, long TimeMs = 0) : ISwitchboardMessage;

/// <summary>To a <see cref="Fanout"/>'s reply address: <paramref name="To"/> dropped <paramref name="From"/>'s broadcast.
/// The sender's name lets a node's registry, the reply address of a relayed broadcast, tell the right session.</summary>
public sealed record FanoutDropped(string From, string To, string Reason) : ISwitchboardMessage;
