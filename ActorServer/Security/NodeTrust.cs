using Akka.Actor;

namespace Switchboard.Server.Security;

/// <summary>Messages between nodes are accepted only from this process or from a live node of the segment.</summary>
public static class NodeTrust
{
    public static bool IsNode(IActorRef sender, IReadOnlySet<string> nodes) => IsNode(sender.Path.Address, nodes);

    // A node's address is host:port; the port is bound by that node's process, so it cannot be borrowed.
    public static bool IsNode(Address a, IReadOnlySet<string> nodes) =>
        a.HasLocalScope || nodes.Contains($"{a.Host}:{a.Port}");
}
