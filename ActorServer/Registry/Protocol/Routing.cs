using Akka.Actor;

namespace Switchboard.Server.Registry.Protocol;

// Session → registry → recipient nodes: the registry knows where every name lives.

/// <summary>Find <paramref name="To"/>'s node and deliver there; the answer goes to <paramref name="Session"/>. A kept
/// message carries its id in its conversation and its time (0 when it is not kept).</summary>
public sealed record RouteTell(long Id, string From, string To, string Text, IActorRef Session, long MsgId = 0, long TimeMs = 0);

/// <summary>Send to every live node: a broadcast, or a room message when <paramref name="Room"/> is set.</summary>
public sealed record RouteFanout(long Id, string From, string? Room, string Text, IActorRef Session, long MsgId = 0, long TimeMs = 0);

/// <summary>Registry → session: how routing went (404 nobody of that name; 200 with the recipients of a broadcast).</summary>
public sealed record RouteResult(long Id, int Code, string? Error, long Recipients, string? Room = null);
