using Akka.Actor;
using Akka.Persistence;

namespace Switchboard.Server.History;

/// <summary>
/// What a conversation and an inbox share as the history's persistent actors: what they were asked while their journal
/// was read back, answered at once if that read fails (<see cref="AskedWhileReading"/>), and, in a cluster, their place
/// in the node's bound on entities in memory (<see cref="HistoryRoutes.Live"/>): the least recently used is asked to
/// go (<see cref="MakeRoom"/>) and its shard passivates it.
/// </summary>
public abstract class HistoryEntity : ReceivePersistentActor
{
    private readonly LiveEntities? _liveEntities;
    private readonly IActorRef? _supervisor;
    private readonly AskedWhileReading _askedWhileReading;
    private LiveEntities.Entry? _live;

    /// <param name="failedAnswer">The answer a message asked while the journal was read back gets if the read fails
    /// (null: it is not an asker's).</param>
    private protected HistoryEntity(HistoryRoutes routes, Func<object, object?> failedAnswer)
    {
        _liveEntities = routes.Live;
        _supervisor = routes.Supervisor;
        _askedWhileReading = new AskedWhileReading(failedAnswer);
        // Sharding's way to let an entity go: its shard stops it with StopChild, which answers its pending writes first.
        Command<MakeRoom>(_ => Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(StopChild.Instance)));
    }

    protected override void PreStart() => _live = _liveEntities?.Started(Self);

    protected override void PostStop() => _live?.Stopped();

    protected override bool AroundReceive(Receive receive, object message)
    {
        _live?.Touch();
        if (IsRecovering) _askedWhileReading.Note(message, Sender);
        return base.AroundReceive(receive, message);
    }

    /// <summary>The journal was read back: what was asked meanwhile is served from the stash, and the single host's
    /// history may start the next read-back waiting (<see cref="ChildReadBack"/>).</summary>
    private protected void ReadServed()
    {
        _askedWhileReading.Served();
        _supervisor?.Tell(new ChildReadBack(Self));
    }

    /// <summary>The journal could not be read: what was asked meanwhile hears its answer now.</summary>
    private protected void ReadFailed() => _askedWhileReading.Failed();
}
