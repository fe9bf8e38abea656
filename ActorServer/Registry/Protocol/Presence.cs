namespace Switchboard.Server.Registry.Protocol;

/// <summary>Registry → gateway (→ sessions): names that came and went since the last look, on any node,
/// and the live nodes.</summary>
public sealed record PresenceChanged(IReadOnlyList<ClientEntry> Joined, IReadOnlyList<ClientEntry> Left, IReadOnlySet<string> Nodes);
