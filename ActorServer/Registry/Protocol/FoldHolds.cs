namespace Switchboard.Server.Registry.Protocol;

// Accounts ↔ the registry: while a reserve is decided, its name's case-folded form is held where every node of the
// registry sees it (the segment's table, the cluster's name entity of the folded name), so two nodes cannot both
// reserve case variants of one name. Local messages; they never cross the wire.

/// <summary>Accounts → registry: hold <paramref name="Name"/>'s case-folded form for reserve <paramref name="Ticket"/>;
/// answered with <see cref="FoldHeld"/> or <see cref="FoldRefused"/>.</summary>
public sealed record HoldFold(long Ticket, string Name);

/// <summary>Registry → accounts: held until <see cref="ReleaseFold"/> (or this node's end).</summary>
public sealed record FoldHeld(long Ticket, ClaimHandle Hold);

/// <summary>Registry → accounts: not held: 409 when a case variant is being reserved (<paramref name="Holder"/>, when
/// the backend knows its name), 503 when the registry could not tell.</summary>
public sealed record FoldRefused(long Ticket, int Code, string? Holder);

/// <summary>Accounts → registry: the reserve is decided (written, or not): the fold is free again. A stale hold is ignored.</summary>
public sealed record ReleaseFold(ClaimHandle Hold, string Name);
