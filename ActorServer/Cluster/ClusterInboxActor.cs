using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>
/// Where name entities and the sequence entity answer this node's registry, and what they watch to learn that the
/// node is gone: a child of the registry under an unguessable name (a capability, as sessions are), so the inbound
/// rules can open it to peers without opening the registry itself. It passes on only the two answers it exists for.
/// </summary>
public sealed class ClusterInboxActor : ReceiveActor
{
    public ClusterInboxActor()
    {
        Receive<NameAnswer>(m => Context.Parent.Tell(m));
        Receive<SeqLeased>(m => Context.Parent.Tell(m));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ClusterInboxActor());
}
