using Akka.Actor;

namespace Switchboard.Server.Registry.Protocol;

// Gateway and sessions ↔ the registry: who owns a name. Local messages; they never cross the wire.

/// <summary>Gateway → registry: claim <paramref name="Name"/> for <paramref name="Client"/>; answered with
/// <see cref="NameClaimed"/> or <see cref="NameRefused"/>. <paramref name="Key"/>: the digest of the capability the
/// session will have; <paramref name="Presented"/>: that of the session the client presented as its previous one
/// (<see cref="Register.Previous"/>). A cluster's name entity hands the name over on a match; a single host's registry
/// does not use them.</summary>
public sealed record ClaimName(string Name, IActorRef Client, ClaimKey? Key = null, ClaimKey? Presented = null);

/// <summary>Registry → gateway: the name is claimed; <paramref name="Seq"/> numbers the registration reply and
/// <paramref name="Counter"/>, handed to the session, every reply after it.</summary>
public sealed record NameClaimed(string Name, IActorRef Client, ClaimHandle Claim, SeqPair Seq, ReplyCounter Counter);

/// <summary>Registry → gateway: the claim failed; <paramref name="Code"/> is 409 or 503.</summary>
public sealed record NameRefused(string Name, IActorRef Client, int Code, string Error);

/// <summary>Gateway → registry: the claim's session started (a reserved name's password was right): others may now be
/// told the name came. Until then a node announces nobody of it, so a refused login is no "joined" and "left".</summary>
public sealed record ClaimServed(ClaimHandle Claim, string Name);

/// <summary>Registry → session: the claim with <paramref name="Token"/> is another's now (in a cluster: its client,
/// reconnecting, presented this session's key); the session ends.</summary>
public sealed record ClaimLost(long Token);

/// <summary>Session → registry: free the name (client gone, session stopping). A stale claim is ignored.</summary>
/// <param name="Served">False for a claim given back before its session started (a refused password): the summary
/// lists sessions served, not attempts.</param>
public sealed record ReleaseName(ClaimHandle Claim, string Name, string Reason, bool Served = true);

/// <summary>Session → registry: its counter said <see cref="Counting.NotYet"/> for <paramref name="Count"/> numbers;
/// answered <see cref="NumbersReady"/> when more can be taken (at once if that many already can).</summary>
public sealed record AwaitNumbers(int Count);

/// <summary>Registry → session: numbers can be taken again; the session counts what it held.</summary>
public sealed record NumbersReady
{
    public static readonly NumbersReady Instance = new();
}

/// <summary>Session → registry: its counter found the store broken for good (<see cref="Counting.Broken"/>): the
/// registry stops, and so the node.</summary>
public sealed record StoreBroken(string Reason);
