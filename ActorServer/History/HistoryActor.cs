using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.History;

/// <summary>
/// The node's history (<c>/user/history</c>, single-host mode with its data store): one <see cref="ConversationActor"/>
/// per conversation and one <see cref="InboxActor"/> per reserved name, started on first use and let go when idle or
/// past max-live (they stay in the store). Everything for them passes here, so each persistence id has one actor, this
/// node's, as its one writer; a child that is stopping gets nothing new: what comes for it waits here and goes to its
/// successor once it has stopped (as cluster sharding's passivation does).
/// </summary>
public sealed class HistoryActor : ReceiveActor, IWithTimers
{
    private readonly HistorySettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Child> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _byRef = [];
    private long _incarnations;

    public HistoryActor(HistorySettings settings, TimeProvider clock)
    {
        _settings = settings;
        _clock = clock;
        Receive<Post>(m => ToConversation(m.Conversation, m));
        Receive<ReadHistory>(m => ToConversation(m.Conversation, m));
        Receive<Fetch>(m => ToConversation(m.Conversation, m));
        Receive<MarkReadUpTo>(m => ToConversation(m.Conversation, m));
        Receive<MarkChecked>(m => ToInbox(m.Mark.Owner, m.Mark));
        Receive<Hold>(m => ToInbox(m.Owner, m));
        Receive<CollectAway>(m => ToInbox(m.Owner, m));
        Receive<AwayDelivered>(m => ToInbox(m.Owner, m));
        Receive<Terminated>(t => OnStopped(t.ActorRef));
        Receive<IdleCheck>(_ => LetIdleGo());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HistorySettings settings, TimeProvider clock) => Akka.Actor.Props.Create(() => new HistoryActor(settings, clock));

    protected override void PreStart() => Timers.StartPeriodicTimer("idle", IdleCheck.Instance, _settings.IdleAfter / 2);

    // A child that fails is stopped; what it had not answered times out in its session (503), and the next message for
    // it recovers a fresh one from the journal.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void ToConversation(Conversation c, object m) =>
        Route(c.PersistenceId, () => ConversationActor.Props(c, _settings, _clock), m);

    private void ToInbox(string owner, object m) =>
        Route(InboxActor.PersistenceIdOf(owner), () => InboxActor.Props(owner, _settings), m);

    private void Route(string id, Func<Props> props, object message)
    {
        var child = ChildFor(id, props);
        if (child.Stopping) child.Waiting.Add((message, Sender));
        else child.Actor.Forward(message);
    }

    private Child ChildFor(string id, Func<Props> props)
    {
        if (!_children.TryGetValue(id, out var child))
        {
            if (_children.Count(c => !c.Value.Stopping) >= _settings.MaxLive) LetGo(LeastRecentlyUsed());
            var actor = Context.ActorOf(props(), $"{Uri.EscapeDataString(id)}-{++_incarnations}");
            Context.Watch(actor);
            _children[id] = child = new Child(actor, props);
            _byRef[actor] = id;
        }
        child.LastUsed = _clock.GetUtcNow();
        return child;
    }

    private string LeastRecentlyUsed() =>
        _children.Where(c => !c.Value.Stopping).MinBy(c => c.Value.LastUsed).Key;

    private void LetIdleGo()
    {
        var idleSince = _clock.GetUtcNow() - _settings.IdleAfter;
        foreach (var id in _children.Where(c => !c.Value.Stopping && c.Value.LastUsed < idleSince).Select(c => c.Key).ToList()) LetGo(id);
    }

    private void LetGo(string id)
    {
        var child = _children[id];
        child.Stopping = true;
        child.Actor.Tell(StopChild.Instance);
    }

    private void OnStopped(IActorRef actor)
    {
        if (!_byRef.Remove(actor, out var id) || !_children.Remove(id, out var child)) return;
        if (!child.Stopping) _log.Warning("history: {0} stopped after a failure; it is read afresh from the store when next used", id);
        // What came for it while it stopped goes to its successor, in order, from the same senders.
        if (child.Waiting.Count == 0) return;
        var next = ChildFor(id, child.Props);
        foreach (var (message, sender) in child.Waiting) next.Actor.Tell(message, sender);
    }

    private sealed record IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    private sealed class Child(IActorRef actor, Func<Props> props)
    {
        public IActorRef Actor { get; } = actor;
        public Func<Props> Props { get; } = props;
        public bool Stopping { get; set; }
        public DateTimeOffset LastUsed { get; set; }
        public List<(object Message, IActorRef Sender)> Waiting { get; } = [];
    }
}
