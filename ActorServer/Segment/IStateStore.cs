namespace Switchboard.Server.Segment;

/// <summary>Both sequence numbers stamped on a reply (DESIGN §2).</summary>
public readonly record struct SeqPair(long ClientSeq, long ServerSeq);

/// <summary>Identifies one claim of a client slot; <see cref="Token"/> changes whenever the slot is reused,
/// so a stale holder can never count against, or free, somebody else's registration.</summary>
public readonly record struct SlotHandle(int Index, long Token);

public enum ClaimStatus { Claimed, Taken, Full }

/// <summary>Outcome of <see cref="IStateStore.Claim"/>; <see cref="Seq"/> is the registration reply's numbers.</summary>
public readonly record struct ClaimResult(ClaimStatus Status, SlotHandle Slot, SeqPair Seq);

/// <summary>Outcome of <see cref="IStateStore.HoldFold"/>; <see cref="Holder"/> is the name whose reserve holds the fold when Taken.</summary>
public readonly record struct FoldHoldResult(ClaimStatus Status, SlotHandle Slot, string? Holder);

/// <param name="Claim">The claim's token: it grows with every claim on any node, so it orders registrations
/// where <paramref name="Since"/> (whole seconds) cannot.</param>
public sealed record ClientEntry(string Name, string Node, long Requests, DateTimeOffset Since, long Claim);

public sealed record NodeEntry(string Address, int Pid, bool Alive, DateTimeOffset Started, DateTimeOffset Heartbeat);

public sealed record Census(int Clients, IReadOnlyList<string> Nodes);

public sealed record StateSnapshot(
    IReadOnlyList<NodeEntry> Nodes,
    IReadOnlyList<ClientEntry> Clients,
    long ServerSeq,
    long TotalRequests,
    long TotalRegistrations);

/// <summary>
/// The registry of names and the counters. Every method is one atomic step across all processes that
/// share the store; only the registry's SegmentBackend calls it, from the registry's pinned thread, except the
/// counters it hands out (<see cref="CounterFor"/>), which their sessions use on their own threads.
/// </summary>
public interface IStateStore : IDisposable
{
    /// <summary>Claims <paramref name="name"/> for this node; counts the registration reply (clientSeq 1).</summary>
    ClaimResult Claim(string name);

    /// <summary>The counter a session numbers its replies with after <paramref name="slot"/>'s registration; it counts
    /// on the session's thread (the segment's by atomic adds, without the lock).</summary>
    ReplyCounter CounterFor(SlotHandle slot);

    /// <summary>Holds <paramref name="name"/>'s case-folded form for this node while a reserve of it is decided: Taken (with
    /// the holder's name) while any node holds a case variant of it. A slot of the table that no view of the clients
    /// shows; freed by <see cref="Release"/>, or with its node.</summary>
    FoldHoldResult HoldFold(string name);

    /// <summary>Frees the slot (a claim's or a fold hold's) if it still belongs to that claim; returns false otherwise.</summary>
    bool Release(SlotHandle slot);

    /// <summary>Finds an online client by name, on any node.</summary>
    bool TryFind(string name, out ClientEntry entry);

    StateSnapshot Snapshot();

    /// <summary>How many clients are online and which nodes serve (a row with its uid published): what a broadcast needs, without
    /// decoding every slot as <see cref="Snapshot"/> does.</summary>
    Census Census();

    /// <summary>Writes this node's actor-system uid into its node row: the other nodes take only a handshake carrying it
    /// from a peer that writes this node's address (<see cref="Security.NodeIdentities"/>).</summary>
    void PublishAkkaUid(int uid);

    /// <summary>The other live nodes' addresses (HOST:PORT) and actor-system uids (0: not published yet), read now without
    /// the lock; null when a row stayed torn (being written) or the store is gone. Any thread.</summary>
    IReadOnlyDictionary<string, int>? NodeUids();

    /// <summary>Heartbeats this node and reaps nodes (and their clients) whose process is gone; returns how many clients were reaped.</summary>
    int Maintain();
}
