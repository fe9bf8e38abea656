using Akka.Actor;
using Akka.Configuration;

namespace Switchboard.Messages.Transport.Inbound;

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
/// <item><b>Cluster prefixes</b> (cluster mode only; empty otherwise): the cluster's own system actors and
/// everything under them, which other nodes address, select with any message and watch.</item>
/// </list>
/// </summary>
public sealed class InboundRules
{
    private readonly string[][] _capabilityParents;
    private readonly string[][] _openPaths;
    private readonly string[][] _selectionPaths;
    private readonly string[][] _clusterPrefixes;

    public InboundRules(IEnumerable<string> capabilityParents, IEnumerable<string> openPaths, IEnumerable<string> selectionPaths,
        IEnumerable<string>? clusterPrefixes = null)
    {
        _capabilityParents = [.. capabilityParents.Select(Split)];
        _openPaths = [.. openPaths.Select(Split)];
        _selectionPaths = [.. selectionPaths.Select(Split)];
        _clusterPrefixes = [.. (clusterPrefixes ?? []).Select(Split)];
    }

    public static InboundRules Create(Config config) => new(
        config.GetStringList("switchboard.inbound.capability-parents", []),
        config.GetStringList("switchboard.inbound.open-paths", []),
        config.GetStringList("switchboard.inbound.selection-paths", []),
        config.GetStringList("switchboard.inbound.cluster-prefixes", []));

    /// <summary>Whether this is a cluster's node side, whose peers are its members.</summary>
    public bool HasClusterPrefixes => _clusterPrefixes.Length > 0;

    public bool SelectionsAllowed => _selectionPaths.Length > 0 || _clusterPrefixes.Length > 0 || _openPaths.Length > 0;

    /// <summary>Does a selection name exactly one of the open paths (the remote watcher, which heartbeats arrive at by selection)?</summary>
    public bool IsOpenPathSelection(IReadOnlyList<string> names)
    {
        foreach (var p in _openPaths)
            if (p.Length == names.Count && p.AsSpan().SequenceEqual(names.ToArray())) return true;
        return false;
    }

    /// <summary>Is this local actor one of the cluster's own (at or under a cluster prefix)?</summary>
    public bool IsClusterPath(ActorPath path)
    {
        if (_clusterPrefixes.Length == 0) return false;
        for (var p = path; p is not RootActorPath; p = p.Parent)
            if (Matches(_clusterPrefixes, p)) return true;
        return false;
    }

    /// <summary>Does a selection name a path at or under a cluster prefix (exact names, no wildcard)?</summary>
    public bool IsClusterSelection(IReadOnlyList<string> names)
    {
        foreach (var p in _clusterPrefixes)
        {
            if (names.Count < p.Length) continue;
            var match = true;
            for (var i = 0; i < p.Length && match; i++) match = names[i] == p[i];
            if (match) return true;
        }
        return false;
    }

    /// <summary>May a peer address this local actor directly? Runs for every inbound message: no allocation.</summary>
    public bool IsOpenRecipient(ActorPath path)
    {
        if (path is RootActorPath) return SelectionsAllowed; // the root guardian: selections only (checked on their payload)
        return IsCapabilityChild(path) || Matches(_openPaths, path) || IsClusterPath(path);
    }

    public bool IsCapabilityChild(ActorPath path) => path is not RootActorPath && path.Parent is { } parent && Matches(_capabilityParents, parent);

    /// <summary>May a selection name these elements (exact names only, no wildcard or parent step)?</summary>
    public bool IsAllowedSelection(IReadOnlyList<string> names)
    {
        foreach (var p in _selectionPaths)
            if (p.Length == names.Count && p.AsSpan().SequenceEqual(names.ToArray())) return true;
        return false;
    }

    private static bool Matches(string[][] candidates, ActorPath path)
    {
        foreach (var expected in candidates)
            if (Is(expected, path)) return true;
        return false;
    }

    // Walks up from the leaf, comparing names: Akka's Elements would build a list per message.
    private static bool Is(string[] expected, ActorPath path)
    {
        for (var i = expected.Length - 1; i >= 0; i--)
        {
            if (path is RootActorPath || !string.Equals(path.Name, expected[i], StringComparison.Ordinal)) return false;
            path = path.Parent;
        }
        return path is RootActorPath;
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
