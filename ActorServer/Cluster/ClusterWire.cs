using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>Marker for the messages cluster nodes exchange with each other (never with clients); bound to
/// <see cref="ClusterWireSerializer"/> in cluster.hocon, so none falls back to another serializer.</summary>
public interface IClusterWireMessage;

// Registry → name entity (through the shard region). One entity per name is the single writer of its owner.

/// <summary>Claim <paramref name="Name"/> for the session with claim <paramref name="Token"/> on <paramref name="Node"/>;
/// <paramref name="Reassert"/> when the owner repeats an existing claim (so that a restarted entity relearns it).
/// Answered with a <see cref="NameAnswer"/> to <paramref name="Owner"/>, the node's inbox, which the entity watches.
/// <paramref name="Key"/>: the digest of the claiming session's capability (kept with the owner, and re-asserted);
/// <paramref name="Presented"/>: the digest of the capability a reconnecting client presented, the session it held
/// before (<see cref="Register.Previous"/>): a match with the owner's key hands the name over at once. Both null from a
/// node that does not send them (a claim as before: no hand-over).</summary>
public sealed record NameClaim(string Name, string Node, long Token, IActorRef Owner, bool Reassert, ClaimKey? Key = null, ClaimKey? Presented = null)
    : IClusterWireMessage;

/// <summary>Free <paramref name="Name"/> if that claim still owns it.</summary>
public sealed record NameRelease(string Name, string Node, long Token) : IClusterWireMessage;

public enum NameVerdict { Granted = 1, Taken = 2, Lost = 3 }

/// <summary>Entity → the claiming node's inbox: granted, taken by someone else, or lost (to a re-assert; or to the owner,
/// when its client's reconnect presented the owner's key and was granted the name).</summary>
public sealed record NameAnswer(string Name, long Token, NameVerdict Verdict) : IClusterWireMessage;

// Registry → the sequence entity: ranges of serverSeq, leased so that no request waits for another node.

/// <summary>Lease <paramref name="Size"/> more sequence numbers; answered with <see cref="SeqLeased"/> to <paramref name="ReplyTo"/>.</summary>
public sealed record LeaseSeq(IActorRef ReplyTo, long Size) : IClusterWireMessage;

/// <summary>The numbers <paramref name="First"/> .. <paramref name="First"/> + <paramref name="Count"/> - 1 are this node's alone.</summary>
public sealed record SeqLeased(long First, long Count) : IClusterWireMessage;

// Registry → every registry (DistributedPubSub topic): who is online on a node, for `who`, presence and routing.

public sealed record RosterEntry(string Name, long SinceMs, long Claim);

/// <summary>Every client of <paramref name="Node"/>; <paramref name="Version"/> grows with each roster, so an old one
/// that arrives late is ignored. <paramref name="Inbox"/>: that node's inbox, where the other nodes' sessions send DMs
/// for these clients (<see cref="NodeDirectory"/>).</summary>
public sealed record NodeRoster(string Node, long Version, RosterEntry[] Entries, IActorRef? Inbox = null) : IClusterWireMessage;

// Registry → registries (DistributedPubSub topics): a direct message or a broadcast for another node's gateway or rooms.
// Wrapped, so that it is signed like every cluster message: a bare Deliver or Fanout that reaches a topic from a
// peer without the cluster secret is not something a registry handles.

/// <summary>A <see cref="Switchboard.Messages.Deliver"/> or <see cref="Switchboard.Messages.Fanout"/> between nodes;
/// <paramref name="Origin"/> is the relaying node (its client-facing HOST:PORT); the reply address inside is that node's
/// inbox, never a session.</summary>
public sealed record Relayed(Switchboard.Messages.ISwitchboardMessage Inner, string Origin) : IClusterWireMessage;

// Node → node, past the registries: the DMs one node's sessions send to another node's clients, and the answers to
// another node's DMs, gathered per destination into one signed message (NodeLinkActor).

/// <summary>Up to <see cref="NodeLinkActor.MaxItems"/> <see cref="Switchboard.Messages.Deliver"/>s (for clients of the
/// receiving node; each reply address is the sending node's inbox) and <see cref="Switchboard.Messages.Delivered"/>s
/// (answers to DMs the receiving node relayed), in the order they were sent; <paramref name="Origin"/> as in
/// <see cref="Relayed"/>.</summary>
public sealed record RelayedBatch(Switchboard.Messages.ISwitchboardMessage[] Items, string Origin) : IClusterWireMessage;

// Account → every node's history relay (DistributedPubSub topic): which names are reserved, so that every node keeps
// and holds DMs to a name reserved on another one.

/// <summary><paramref name="Name"/> was reserved at <paramref name="SinceMs"/>, or released (null), by its account's event
/// number <paramref name="Seq"/>: notices from several nodes arrive in no set order, and a node folds them by number
/// (<see cref="ReservedNames.Heard"/>), so an older one never undoes a newer one.</summary>
public sealed record ReservationNotice(string Name, long? SinceMs, long Seq) : IClusterWireMessage;
