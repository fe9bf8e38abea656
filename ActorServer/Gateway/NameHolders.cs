namespace Switchboard.Server.Gateway;

// Gateway ↔ its own sessions (local only, never on the wire): a registration for a name that a session of this
// node holds is refused only once that session's client proved alive. A client reconnecting from a fresh actor
// system finds its old session still there (probing its dropped connection); without this check it heard
// "already taken" until the probe ran out.

/// <summary>Gateway → session: probe your client now; answer <see cref="ClientVerified"/> if it is there, stop if not.</summary>
public sealed record VerifyClient
{
    public static readonly VerifyClient Instance = new();
}

/// <summary>Gateway → a session it started: its client has been sent <see cref="Registered"/>, so what the session pushes
/// from now on reaches the client after it (a client not registered yet drops what is pushed to it).</summary>
public sealed record RegisteredSent
{
    public static readonly RegisteredSent Instance = new();
}

/// <summary>Session → gateway: its client answered the probe, so the name is really taken.</summary>
public sealed record ClientVerified(string Name);

/// <summary>Gateway → a session it started: <paramref name="Reserved"/> was just reserved and this session's name differs from
/// it only in case, so it is nobody's any more (it would pass for the owner): the session ends.</summary>
public sealed record LookAlikeReserved(string Reserved);
