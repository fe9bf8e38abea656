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
/// </summary>
public sealed class NameEntityActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _recoverFor;
    private (string Node, long Token, IActorRef Inbox)? _owner;

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
            _owner = (m.Node, m.Token, m.Owner);
            Context.Watch(m.Owner);
            m.Owner.Tell(new NameAnswer(m.Name, m.Token, NameVerdict.Granted));
            if (m.Reassert) _log.Info("name {0} relearnt from its owner on {1}", m.Name, m.Node);
            return;
        }
        var (node, token, _) = _owner.Value;
        var verdict = node == m.Node && token == m.Token ? NameVerdict.Granted
            : m.Reassert ? NameVerdict.Lost // a newer claim owns it: the old session must end
            : NameVerdict.Taken;
        m.Owner.Tell(new NameAnswer(m.Name, m.Token, verdict));
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
