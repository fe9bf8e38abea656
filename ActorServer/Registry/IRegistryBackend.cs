using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Registry;

/// <summary>How a backend counted a reply.</summary>
public enum Counting
{
    Counted,
    /// <summary>The claim is no longer this registry's (reaped, torn, lost to another node): the session ends.</summary>
    Lost,
    /// <summary>No number can be given yet (cluster: no leased serverSeq left): the session holds its replies until
    /// the registry says <see cref="Protocol.NumbersReady"/>.</summary>
    NotYet,
    /// <summary>Counting can never work again (the segment cut short under the node): answered 503 in the counter's
    /// words (<see cref="ReplyCounter.Broken"/>), and the node stops.</summary>
    Broken,
    /// <summary>The counter threw (a bug, or a store busy for now): that reply is answered 503, the next is counted.</summary>
    Failed,
}

public enum ClaimVerdict { Claimed, Taken, Full, Unreachable, Pending }

/// <summary>A claim's outcome; <see cref="Seq"/> numbers the registration reply and <see cref="Counter"/> the replies
/// after it when <see cref="Verdict"/> is Claimed. Pending: the backend decides later and tells <see cref="IRegistryCore.Decided"/>.
/// <see cref="Error"/>: a refusal's wording when the backend knows more than its verdict (else the registry's own).</summary>
public readonly record struct ClaimOutcome(ClaimVerdict Verdict, ClaimHandle Handle = default, SeqPair Seq = default, ReplyCounter? Counter = null,
    string? Error = null)
{
    public static readonly ClaimOutcome Pending = new(ClaimVerdict.Pending);
}

/// <summary>A fold hold's outcome (<see cref="IRegistryBackend.HoldFold"/>): Claimed with its <see cref="Handle"/>, Taken
/// by a reserve of <see cref="Holder"/> (null when the backend cannot name it), Full or Unreachable (503), or Pending.</summary>
public readonly record struct FoldOutcome(ClaimVerdict Verdict, ClaimHandle Handle = default, string? Holder = null)
{
    public static readonly FoldOutcome Pending = new(ClaimVerdict.Pending);
}

/// <summary>What the core does with an exception of its backend.</summary>
public enum Fault
{
    /// <summary>Not the backend's: a bug, answered 503 and left to supervision.</summary>
    None,
    /// <summary>The backend is busy or broken for now: answered 503, logged.</summary>
    Transient,
    /// <summary>The backend can never be used again: answered 503 and the registry stops (and so the node).</summary>
    Fatal,
}

/// <summary>What a backend's node traffic or timer message came to.</summary>
public enum Handled { Done, NotYet, Unknown }

/// <summary>
/// Where a registry keeps names and numbers (the segment, or the cluster's shards and leases). Called only from the
/// registry actor's thread, one message at a time; a backend never answers a client or a session itself: it returns
/// what happened and the core (<see cref="RegistryActor"/>) words, counts and sends the reply.
/// </summary>
public interface IRegistryBackend
{
    /// <summary>How often the core ticks (<see cref="Tick"/>): the segment's maintenance, the cluster's roster.</summary>
    TimeSpan TickInterval { get; }

    /// <summary>How long a relayed message may wait for its answer before the core forgets it.</summary>
    TimeSpan RelayHorizon { get; }

    /// <summary>Called once as the registry starts; returns how node traffic leaves this node.</summary>
    INodeRouter Attach(IRegistryCore core);

    void Detach();

    ClaimOutcome Claim(ClaimName claim, IActorRef gateway);

    /// <summary>Whether a session's counter can take <paramref name="count"/> numbers now (<see cref="Counting.NotYet"/> otherwise); when not,
    /// more are asked for and <see cref="IRegistryCore.NumbersAvailable"/> follows.</summary>
    bool NumbersWanted(int count);

    /// <summary>Frees the name if <paramref name="claim"/> still holds it; false for a stale claim.</summary>
    bool Release(ClaimHandle claim, string name, string reason);

    /// <summary>Holds <paramref name="hold"/>'s name case-folded on every node of the registry while its reserve is decided:
    /// one holder per folded name. Pending: the backend tells <see cref="IRegistryCore.FoldDecided"/> later.</summary>
    FoldOutcome HoldFold(HoldFold hold, IActorRef replyTo);

    /// <summary>Frees a fold hold if <paramref name="hold"/> still has it; false for a stale one.</summary>
    bool ReleaseFold(ClaimHandle hold, string name);

    /// <summary>The claim's session started: presence may announce it (<see cref="ClaimServed"/>).</summary>
    void Served(ClaimHandle claim, string name) { }

    /// <summary>Everyone online, on every node (unsorted).</summary>
    IReadOnlyList<ClientEntry> Everyone();

    /// <summary>The node <paramref name="name"/> is online on, or null.</summary>
    string? NodeOf(string name);

    /// <summary>Why <paramref name="name"/>, which <see cref="NodeOf"/> does not find, is not online, when the backend
    /// knows more than that (cluster: their node stopped answering); null: the plain "not online".</summary>
    string? NotOnlineWhy(string name) => null;

    /// <summary>How many clients are online and the live nodes: what a broadcast needs.</summary>
    Census Census();

    StateSnapshot Snapshot();

    /// <summary>The core's periodic tick (or <see cref="MaintainNow"/>).</summary>
    void Tick();

    /// <summary>A message the core does not know: the backend's node traffic (with its sender) or its timers.</summary>
    Handled Handle(object message, IActorRef sender);

    Fault Classify(Exception ex);
}

/// <summary>The registry actor as its backend sees it.</summary>
public interface IRegistryCore
{
    ActorSystem System { get; }

    IActorRef Self { get; }

    ITimerScheduler Timers { get; }

    ILoggingAdapter Log { get; }

    /// <summary>The DMs this node relays to other nodes, awaiting their answers (shared with the backend's node channel).</summary>
    RelayBook Relays { get; }

    /// <summary>A <see cref="ClaimVerdict.Pending"/> claim is decided.</summary>
    void Decided(ClaimName claim, IActorRef gateway, ClaimOutcome outcome);

    /// <summary>A <see cref="ClaimVerdict.Pending"/> fold hold is decided.</summary>
    void FoldDecided(HoldFold hold, IActorRef replyTo, FoldOutcome outcome);

    /// <summary>Tells this node's gateway (for its sessions) who came and went.</summary>
    void Announce(PresenceChanged change);

    /// <summary>Hands another node's <see cref="Deliver"/> or <see cref="Fanout"/> to this node's gateway or rooms.</summary>
    void DeliverHere(ISwitchboardMessage message);

    /// <summary>Numbers can be given again: what waited for them is taken up.</summary>
    void NumbersAvailable();
}

/// <summary>How deliveries and fan-outs reach other nodes (the segment's doors, or the cluster's pub-sub).</summary>
public interface INodeRouter
{
    /// <summary>Where other nodes answer what this node relayed: never a session (a session's path is its capability).</summary>
    IActorRef ReplyAddress { get; }

    /// <summary>Whether an answer from <paramref name="sender"/> may be node traffic.</summary>
    bool IsNodeChannel(IActorRef sender);

    /// <summary>The node to name when a client's message for <paramref name="node"/> is refused because what waits for it
    /// is past <c>switchboard.max-unsent-bytes-node-chat</c> (<see cref="Security.NodeQueues"/>); null: it may be sent.</summary>
    string? Full(string node);

    /// <summary>Sends <paramref name="relayed"/> (its reply address <see cref="ReplyAddress"/>) to <paramref name="node"/>.</summary>
    void Deliver(string node, Deliver relayed);

    /// <summary>Sends <paramref name="relayed"/> to every other node of <paramref name="nodes"/>.</summary>
    void Fanout(Fanout relayed, IReadOnlyList<string> nodes);
}
