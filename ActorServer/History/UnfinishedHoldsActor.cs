using Akka.Actor;
using Akka.Event;
using Switchboard.Server.Sessions;

namespace Switchboard.Server.History;

/// <summary>
/// A session's kept DMs to reserved names, handed over when the session ends before their recipients' inboxes hold them
/// (<see cref="HoldsLeft"/>): their inboxes are asked to hold them, as the session would have, so the recipient is
/// shown them at their next login even though the sender left. Without it a sender who quit within the minute its
/// session asks a silent inbox (a killed node's inbox, a late store) left the message in the history but never pushed.
/// <list type="bullet">
/// <item>One whose inbox was asked and has not answered is asked again every <c>history.timeout</c>,
/// <see cref="SessionChat.MaxHoldsAsked"/> times at most (the inbox holds a message once however often it is asked).</item>
/// <item>One the store has not answered yet (no id): its <see cref="Posted"/> comes to the ended session, so it is taken
/// from the dead letters (for as long as the session would have waited), then held the same way.
/// Its recipient may be online meanwhile: it is held all the same (the sender's session is no longer there to deliver
/// it), and their session on this node, told through the gateway, collects it from the inbox at once (on another
/// node: at their next login, with the away count).</item>
/// </list>
/// Node-scoped, bounded (<see cref="MaxLeft"/>); the history actor (or a cluster node's relay) answers it as a session.
/// </summary>
public sealed class UnfinishedHoldsActor : ReceiveActor, IWithTimers
{
    /// <summary>DMs it asks for and waits on at most; past it a handed-over one is logged and left in the history.</summary>
    public const int MaxLeft = 4096;

    private readonly IActorRef _history;
    private readonly TimeSpan _timeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // The sessions' gateway, in this same system (created after this actor): it tells the name's session, if any.
    private readonly ActorSelection _gateway = Context.ActorSelection("/user/gateway");
    private readonly Dictionary<long, Asking> _asking = [];
    private readonly Dictionary<(IActorRef Session, long Ticket), Awaiting> _awaiting = [];
    // Answers that reached an ended session before it was handed over here: its mailbox goes to the dead letters as it
    // stops, which may be before its hand-over is read.
    private readonly Queue<(IActorRef Session, Posted Posted)> _early = new();
    private long _tickets;

    /// <param name="history">The node's history as its sessions see it (the history actor, or a cluster node's relay).</param>
    /// <param name="timeout">history.timeout: how long an ask is given before it is asked again.</param>
    public UnfinishedHoldsActor(IActorRef history, TimeSpan timeout)
    {
        _history = history;
        _timeout = timeout;
        Receive<HoldsLeft>(TakeOver);
        Receive<DeadLetter>(m =>
        {
            if (m.Message is Posted p) LatePosted(m.Recipient, p);
        });
        Receive<HeldOk>(m =>
        {
            // Online meanwhile, on this node: its session collects it now (the sender's is not there to deliver it).
            if (_asking.Remove(m.Ticket, out var a)) _gateway.Tell(new HeldWhileOnline(a.To));
        });
        Receive<HistoryFailed>(m =>
        {
            // The inbox's own refusal (full, unreadable): the message stays in the history, as the session would have left it.
            if (_asking.Remove(m.Ticket, out var a))
                _log.Info("a kept DM to '{0}' left by its sender's ended session was not held: {1} (it is in the history)", a.To, m.Error);
        });
        Receive<Tick>(_ => Sweep());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef history, TimeSpan timeout) => Akka.Actor.Props.Create(() => new UnfinishedHoldsActor(history, timeout));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private long Now => (long)Context.System.Scheduler.MonotonicClock.TotalMilliseconds;

    private void TakeOver(HoldsLeft m)
    {
        // Only a session of this node hands its own over (a peer's message never reaches a node's own actor by name).
        if (!Sender.Path.Address.HasLocalScope) return;
        var (dropped, unanswered) = (0, 0);
        foreach (var h in m.Holds)
        {
            if (_asking.Count + _awaiting.Count >= MaxLeft)
            {
                dropped++;
                continue;
            }
            if (h.MsgId != 0) Ask(h.To, h.Conversation, h.MsgId);
            else if (Early(m.Session, h.Ticket) is { } posted) Ask(h.To, h.Conversation, posted.MsgId);
            else
            {
                _awaiting[(m.Session, h.Ticket)] = new Awaiting(h.To, h.Conversation, Now + (long)(_timeout * SessionChat.MaxHoldsAsked).TotalMilliseconds);
                unanswered++;
            }
        }
        var taken = m.Holds.Count - dropped;
        _log.Info("took over {0} DMs of an ended session that no inbox holds yet ({1} kept, {2} not answered by the store yet)",
            taken, taken - unanswered, unanswered);
        if (dropped > 0)
            _log.Warning("{0} kept DMs left by an ended session were not taken over ({1} wait already): they are in the history, not pushed at their recipients' logins",
                dropped, MaxLeft);
        Arm();
    }

    private void LatePosted(IActorRef session, Posted p)
    {
        if (_awaiting.Remove((session, p.Ticket), out var w)) Ask(w.To, w.Conversation, p.MsgId);
        else
        {
            _early.Enqueue((session, p));
            if (_early.Count > EarlyKept) _early.Dequeue();
        }
    }

    /// <summary>Dead answers kept for a hand-over still to come: the few a session's mailbox held as it stopped.</summary>
    private const int EarlyKept = 256;

    private Posted? Early(IActorRef session, long ticket)
    {
        foreach (var (s, p) in _early)
            if (p.Ticket == ticket && s.Equals(session)) return p;
        return null;
    }

    private void Ask(string to, Conversation conversation, long msgId)
    {
        var ticket = ++_tickets;
        _asking[ticket] = new Asking(to, conversation, msgId, SessionChat.MaxHoldsAsked - 1, Now + (long)_timeout.TotalMilliseconds);
        _history.Tell(new Hold(to, ticket, conversation, msgId), Self);
        Arm();
    }

    private void Sweep()
    {
        var now = Now;
        foreach (var (ticket, a) in _asking.Where(kv => kv.Value.Due <= now).ToList())
        {
            if (a.AsksLeft <= 0)
            {
                _asking.Remove(ticket);
                _log.Warning("the inbox of '{0}' never answered for a kept DM left by its sender's ended session: it is in the history, not pushed at the login", a.To);
                continue;
            }
            _asking[ticket] = a with { AsksLeft = a.AsksLeft - 1, Due = now + (long)_timeout.TotalMilliseconds };
            _history.Tell(new Hold(a.To, ticket, a.Conversation, a.MsgId), Self);
        }
        foreach (var (key, w) in _awaiting.Where(kv => kv.Value.Until <= now).ToList())
        {
            _awaiting.Remove(key);
            // Its sender heard 503 "may still be kept": it was not written, or its late answer went astray.
            _log.Warning("the store never answered for a DM to '{0}' left by its sender's ended session: it may not be kept (look in the history), and it is not pushed at the login", w.To);
        }
        if (_asking.Count == 0 && _awaiting.Count == 0) Timers.Cancel(Tick.Instance);
    }

    private void Arm()
    {
        if ((_asking.Count > 0 || _awaiting.Count > 0) && !Timers.IsTimerActive(Tick.Instance))
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _timeout);
    }

    private sealed record Asking(string To, Conversation Conversation, long MsgId, int AsksLeft, long Due);

    private sealed record Awaiting(string To, Conversation Conversation, long Until);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>What a session hands over when it ends (<see cref="UnfinishedHoldsActor"/>).</summary>
public sealed record HoldsLeft(IActorRef Session, IReadOnlyList<HoldLeft> Holds);

/// <summary>A kept DM to <paramref name="To"/>: <paramref name="MsgId"/> 0 while the store has not answered the session's
/// <paramref name="Ticket"/>.</summary>
public readonly record struct HoldLeft(long Ticket, string To, Conversation Conversation, long MsgId);
