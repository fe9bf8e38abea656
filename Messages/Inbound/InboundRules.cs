using Akka.Actor;
using Akka.Configuration;

namespace Switchboard.Messages.Inbound;

/// <summary>
/// What a remote peer may address on this actor system (<c>switchboard.inbound</c> in hocon). Everything else a peer
/// writes into a recipient path resolves to dead letters, before any actor sees it.
/// <list type="bullet">
/// <item><b>Capability children</b>: any child of these parents, by its exact name. The names are unguessable
/// (128 random bits): sessions under the gateway on a server, the client actor on a client. Knowing the path is the
/// capability; nothing enumerates them (wildcard selections are refused).</item>
/// <item><b>Open paths</b>: exact paths Akka itself needs from peers (the remote watcher's heartbeats).</item>
/// <item><b>Selection paths</b>: exact paths an <c>ActorSelection</c> may name (the server's gateway, for
/// <c>Register</c>); the root guardian, where selections arrive, is open only for them.</item>
/// </list>
/// </summary>
public sealed class InboundRules
{
    private readonly string[][] _capabilityParents;
    private readonly string[][] _openPaths;
    private readonly string[][] _selectionPaths;

    public InboundRules(IEnumerable<string> capabilityParents, IEnumerable<string> openPaths, IEnumerable<string> selectionPaths)
    {
        _capabilityParents = [.. capabilityParents.Select(Split)];
        _openPaths = [.. openPaths.Select(Split)];
        _selectionPaths = [.. selectionPaths.Select(Split)];
    }

    public static InboundRules Create(Config config) => new(
        config.GetStringList("switchboard.inbound.capability-parents", []),
        config.GetStringList("switchboard.inbound.open-paths", []),
        config.GetStringList("switchboard.inbound.selection-paths", []));

    public bool SelectionsAllowed => _selectionPaths.Length > 0;

    /// <summary>May a peer address this local actor directly?</summary>
    public bool IsOpenRecipient(ActorPath path)
    {
        var elements = path.Elements;
        if (elements.Count == 0) return SelectionsAllowed; // the root guardian: selections only (checked on their payload)
        return IsCapabilityChild(elements) || _openPaths.Any(p => SameElements(p, elements));
    }

    public bool IsCapabilityChild(ActorPath path) => IsCapabilityChild(path.Elements);

    /// <summary>May a selection name these elements (exact names only, no wildcard or parent step)?</summary>
    public bool IsAllowedSelection(IReadOnlyList<string> names) => _selectionPaths.Any(p => SameElements(p, names));

    private bool IsCapabilityChild(IReadOnlyList<string> elements) =>
        _capabilityParents.Any(parent => elements.Count == parent.Length + 1 && parent.SequenceEqual(elements.Take(parent.Length), StringComparer.Ordinal));

    private static bool SameElements(string[] expected, IReadOnlyList<string> actual) =>
        expected.Length == actual.Count && expected.SequenceEqual(actual, StringComparer.Ordinal);

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
