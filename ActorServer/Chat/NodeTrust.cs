using Akka.Actor;

namespace Switchboard.Server.Chat;

/// <summary>Messages between nodes are accepted only from this process or from a live node of the segment.</summary>
public static class NodeTrust
{
    public static bool IsNode(IActorRef sender, IReadOnlySet<string> nodes)
    {
        var a = sender.Path.Address;
        return a.HasLocalScope || nodes.Contains($"{a.Host}:{a.Port}");
    }
}
