using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>
/// Conversations and inboxes waiting to be read back from the store (<see cref="HistoryActor"/> reads back at most
/// max-reading at once), each with what came for it, in order; taken in turn by requester (the host the message that
/// made it wait was charged to, else its sender: a host's many names are one requester), one of each requester's at a
/// time, so a requester with one waits behind one of each other's, however many a flood has waiting. Memory: one entry
/// per message waiting, each requester's bounded by what it may
/// have waiting for the store (a session's queries and markers, <see cref="Sessions.SessionHistory.MaxAsked"/>; its
/// messages, by its rate limit and their timeout).
/// </summary>
internal sealed class ReadBacks
{
    private readonly Dictionary<string, Waiting> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<object, Queue<string>> _byRequester = [];
    private readonly Queue<object> _turns = new();

    public int Count => _byId.Count;

    /// <summary>Whether <paramref name="id"/> waits already: then <paramref name="message"/> waits with it, behind what came before.</summary>
    public bool Add(string id, object message, IActorRef sender)
    {
        if (!_byId.TryGetValue(id, out var waiting)) return false;
        waiting.Messages.Add((message, sender));
        return true;
    }

    /// <summary><paramref name="id"/> waits its turn, <paramref name="requester"/>'s (a host's key, or the sender).</summary>
    public void Wait(string id, Func<Props> props, object message, IActorRef sender, object requester)
    {
        _byId[id] = new Waiting(props, [(message, sender)]);
        if (!_byRequester.TryGetValue(requester, out var mine))
        {
            _byRequester[requester] = mine = new Queue<string>();
            _turns.Enqueue(requester);
        }
        mine.Enqueue(id);
    }

    /// <summary>The next to start, the next requester's oldest; null when none waits.</summary>
    public (string Id, Func<Props> Props, List<(object Message, IActorRef Sender)> Messages)? Next()
    {
        if (!_turns.TryDequeue(out var requester)) return null;
        var mine = _byRequester[requester];
        var id = mine.Dequeue();
        if (mine.Count > 0) _turns.Enqueue(requester);
        else _byRequester.Remove(requester);
        _byId.Remove(id, out var waiting);
        return (id, waiting!.Props, waiting.Messages);
    }

    private sealed record Waiting(Func<Props> Props, List<(object Message, IActorRef Sender)> Messages);
}
