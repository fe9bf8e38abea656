using Akka.Actor;
using Switchboard.Server.Operations;
using Switchboard.Server.State;

namespace Switchboard.Server.Protocol;

// Local messages between gateway, sessions and the state actor. They never cross the wire.

/// <summary>Gateway → state: claim a name for <paramref name="Client"/>.</summary>
public sealed record ClaimName(string Name, IActorRef Client);

/// <summary>State → gateway: the name is claimed in the segment.</summary>
public sealed record NameClaimed(string Name, IActorRef Client, SlotHandle Slot, SeqPair Seq);

/// <summary>State → gateway: the claim failed; <paramref name="Code"/> is 409 or 503.</summary>
public sealed record NameRefused(string Name, IActorRef Client, int Code, string Error);

/// <summary>Session → state: count one reply and send it to the client, stamped with both sequence numbers.</summary>
public sealed record CountAndReply(SlotHandle Slot, IActorRef Client, long Id, OpOutcome Outcome);

/// <summary>Session → state: count the unregister reply, free the name, then answer the client.</summary>
public sealed record ReleaseAndReply(SlotHandle Slot, string Name, IActorRef Client, long Id);

/// <summary>Session → state: free the name (client gone, session stopping). A stale slot is ignored.</summary>
public sealed record ReleaseName(SlotHandle Slot, string Name, string Reason);

/// <summary>Anyone → state: a consistent snapshot of the segment.</summary>
public sealed record GetSnapshot
{
    public static readonly GetSnapshot Instance = new();
}

/// <summary>State → itself: heartbeat the node and reap dead nodes.</summary>
public sealed record Maintain
{
    public static readonly Maintain Instance = new();
}
