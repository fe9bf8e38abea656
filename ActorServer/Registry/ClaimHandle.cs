namespace Switchboard.Server.Registry;

/// <summary>One registration as the registry's backend minted it: <see cref="Key"/> names it among this node's
/// registrations (the segment's slot index, the cluster registry's own running number) and <see cref="Token"/> is the
/// claim's token, which changes with every claim, so a stale holder can never count against, or free, somebody else's
/// registration.</summary>
public readonly record struct ClaimHandle(int Key, long Token);
