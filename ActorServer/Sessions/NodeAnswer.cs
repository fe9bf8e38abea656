using Akka.Actor;

namespace Switchboard.Server.Sessions;

/// <summary>
/// An answer to a DM or fan-out's reply address (<see cref="Delivered"/>, <see cref="FanoutDropped"/>). A session takes
/// these only from a local sender that is not its client (<see cref="ISessionInbox.FromNode{T}"/>), so one of this node
/// carries the answering actor; one to another node's door, inbox or link carries no sender (they take answers from
/// any member, and a sender path would be written on the wire for every DM).
/// </summary>
internal static class NodeAnswer
{
    public static void To(IActorRef replyTo, object answer, IActorRef self) =>
        replyTo.Tell(answer, replyTo.Path.Address.HasGlobalScope ? ActorRefs.NoSender : self);
}
