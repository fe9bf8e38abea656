using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Cluster;

/// <summary>
/// One name of the cluster, as a sharded entity: the single writer of who owns it, so two nodes racing for a name
/// get exactly one winner. The owner is a session's claim (node + token) reached through its node's inbox, which the
/// entity watches: the name is freed when the session releases it and when its node stops, leaves or is downed.
/// <para>Its state is memory only. An entity that starts (first use, or again after a rebalance or the loss of its
/// node) first waits out <c>recover-for</c> (longer than the owners' re-assert interval), taking only re-asserts,
/// so that a name still held somewhere is relearnt before any newcomer can be granted it.</para>
/// <para>The owner's claim carries its session's key (<see cref="ClaimKey"/>: a digest of the capability its client was
/// told). A claim that presents that key is the same client reconnecting, from a fresh actor system, to this or another
/// node, after its connection dropped or its node was killed: it is granted the name at once, and the owner's node is
/// told the name is lost (its session ends, if it still runs). Without it a guest waited for the cluster to down a killed
/// node (~12 s) before it had its own name back. Any other claim is refused as before; a key takes the name once (the
/// new owner's key is its new session's).</para>
/// </summary>
public sealed class NameEntityActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _recoverFor;
    private (string Node, long Token, IActorRef Inbox, ClaimKey? Key)? _owner;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public NameEntityActor(TimeSpan recoverFor)
    {
        Receive<NameClaim>(m => m.Reassert, OnClaim);
        Receive<NameClaim>(_ => Stash.Stash());
        Receive<NameRelease>(OnRelease);
        Receive<Terminated>(OnTerminated);
        Receive<Recovered>(_ =>
        {
            Become(Active);
            Stash.UnstashAll();
        });
        _recoverFor = recoverFor;
    }

    protected override void PreStart() => Timers.StartSingleTimer("recover", Recovered.Instance, _recoverFor);

    public static Props Props(TimeSpan recoverFor) => Akka.Actor.Props.Create(() => new NameEntityActor(recoverFor));

    private void Active()
    {
        Receive<NameClaim>(OnClaim);
        Receive<NameRelease>(OnRelease);
        Receive<Terminated>(OnTerminated);
    }

    private void OnClaim(NameClaim m)
    {
        if (_owner is null)
        {
            Own(m);
            if (m.Reassert) _log.Info("name {0} relearnt from its owner on {1}", m.Name, m.Node);
            return;
        }
        var (node, token, inbox, key) = _owner.Value;
        if (node == m.Node && token == m.Token)
        {
            // Its node's key for it (a late grant it handed to another registration of the name carries that one's).
            if (m.Key is not null) _owner = (node, token, inbox, m.Key);
            m.Owner.Tell(new NameAnswer(m.Name, m.Token, NameVerdict.Granted));
            return;
        }
        // The owner's client, reconnecting: the old session is told to end, the name is the new one's.
        if (!m.Reassert && key is not null && key.Equals(m.Presented))
        {
            _log.Info("name {0} handed from its session on {1} to its client's reconnect on {2}", m.Name, node, m.Node);
            inbox.Tell(new NameAnswer(m.Name, token, NameVerdict.Lost));
            Context.Unwatch(inbox);
            Own(m);
            return;
        }
        // To a re-assert: a newer claim owns it, the old session must end.
        m.Owner.Tell(new NameAnswer(m.Name, m.Token, m.Reassert ? NameVerdict.Lost : NameVerdict.Taken));
    }

    private void Own(NameClaim m)
    {
        _owner = (m.Node, m.Token, m.Owner, m.Key);
        Context.Watch(m.Owner);
        m.Owner.Tell(new NameAnswer(m.Name, m.Token, NameVerdict.Granted));
    }

    private void OnRelease(NameRelease m)
    {
        if (_owner is not { } o || o.Node != m.Node || o.Token != m.Token) return;
        Free();
    }

    private void OnTerminated(Terminated t)
    {
        if (_owner is { } o && o.Inbox.Equals(t.ActorRef)) Free();
    }

    private void Free()
    {
        var inbox = _owner!.Value.Inbox;
        _owner = null;
        Context.Unwatch(inbox);
    }

    private sealed record Recovered
    {
        public static readonly Recovered Instance = new();
    }
}
