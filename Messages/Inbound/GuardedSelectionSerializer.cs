using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Remote.Serialization;
using Akka.Serialization;

namespace Switchboard.Messages.Inbound;

/// <summary>
/// Akka's selection serializer (id 6) with a check on what a peer's selection names: only an exact path of
/// <c>switchboard.inbound.selection-paths</c> (no wildcard, no parent step, so nothing enumerates a gateway's
/// sessions) and only a <see cref="Register"/> inside. Anything else fails to deserialize: Akka drops that one message
/// and the association lives on.
/// </summary>
public sealed class GuardedSelectionSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private readonly MessageContainerSerializer _inner = new(system);
    private readonly InboundRules _rules = InboundRules.Create(system.Settings.Config);

    public override int Identifier => 6;
    public override bool IncludeManifest => _inner.IncludeManifest;

    public override byte[] ToBinary(object obj) => _inner.ToBinary(obj);

    public override object FromBinary(byte[] bytes, Type type)
    {
        var selection = (ActorSelectionMessage)_inner.FromBinary(bytes, type);
        var names = new List<string>(selection.Elements.Length);
        foreach (var element in selection.Elements)
        {
            if (element is not SelectChildName child) throw Refused(selection);
            names.Add(child.Name);
        }
        if (!_rules.IsAllowedSelection(names) || selection.Message is not Register) throw Refused(selection);
        return selection;
    }

    private static SerializationException Refused(ActorSelectionMessage selection) =>
        new($"refused a peer's selection of /{string.Join('/', selection.Elements.Select(e => e.ToString()))} carrying {selection.Message?.GetType().Name ?? "nothing"}");
}
