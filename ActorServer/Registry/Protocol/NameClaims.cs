using Akka.Actor;

namespace Switchboard.Server.Registry.Protocol;

// Gateway and sessions ↔ the registry: who owns a name. Local messages; they never cross the wire.

/// <summary>Gateway → registry: claim <paramref name="Name"/> for <paramref name="Client"/>; answered with
/// <see cref="NameClaimed"/> or <see cref="NameRefused"/>.</summary>
public sealed record ClaimName(string Name, IActorRef Client);

/// <summary>Registry → gateway: the name is claimed; <paramref name="Seq"/> numbers the registration reply.</summary>
public sealed record NameClaimed(string Name, IActorRef Client, ClaimHandle Claim, SeqPair Seq);

/// <summary>Registry → gateway: the claim failed; <paramref name="Code"/> is 409 or 503.</summary>
public sealed record NameRefused(string Name, IActorRef Client, int Code, string Error);

/// <summary>Session → registry: free the name (client gone, session stopping). A stale claim is ignored.</summary>
public sealed record ReleaseName(ClaimHandle Claim, string Name, string Reason);

/// <summary>Registry → session: its claim is gone (a segment slot torn and dropped or reaped, or a cluster name lost); the session ends
/// so that its client, which watches it, registers again.</summary>
public sealed record RegistrationLost
{
    public static readonly RegistrationLost Instance = new();
}
