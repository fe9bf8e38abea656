using Akka.Actor;
using Akka.Remote.Serialization;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// Akka's selection serializer (id 6) with a check on what a peer's selection names: only an exact path of
/// <c>switchboard.inbound.selection-paths</c> (no wildcard, no parent step, so nothing enumerates a gateway's
/// sessions) and only a <see cref="Register"/> inside.
/// </summary>
public sealed class GuardedSelectionSerializer(ExtendedActorSystem system) : InboundGuard(system, new MessageContainerSerializer(system), 6)
{
    // Decoding a selection decodes what it carries first, a selection again if the peer says so: no selection in a selection.
    protected override string? RefusedUndecoded(byte[] bytes) =>
        EnclosedPayload.EnclosesContainer(bytes, identificationsToo: false) ? "a selection enclosing a selection" : null;

    protected override object? Admit(object message)
    {
        if (message is not ActorSelectionMessage selection) return null;
        var names = new List<string>(selection.Elements.Length);
        foreach (var element in selection.Elements)
        {
            if (element is not SelectChildName child) return null;
            names.Add(child.Name);
        }
        // Cluster mode: other nodes select the cluster's system actors (join, heartbeats, pub-sub, ddata) with their own messages.
        if (Rules.IsClusterSelection(names)) return selection;
        // The remote watcher's heartbeat arrives by selection; without an answer the watching side declares this
        // system unreachable after its failure detector's pause, though the connection is fine.
        if (selection.Message is Akka.Remote.RemoteWatcher.Heartbeat && Rules.IsOpenPathSelection(names)) return selection;
        return selection.Message is Register && Rules.IsAllowedSelection(names) ? selection : null;
    }

    protected override string Why(object? message) => message is ActorSelectionMessage s
        ? $"a selection of /{string.Join('/', s.Elements.Select(e => e.ToString()))} carrying {s.Message?.GetType().Name ?? "nothing"}"
        : "not a selection";
}
