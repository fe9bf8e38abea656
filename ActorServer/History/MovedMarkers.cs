namespace Switchboard.Server.History;

/// <summary>
/// A name's read markers, one per conversation, in the order they last moved (the oldest first), at most
/// <paramref name="capacity"/>: past it the least recently moved is forgotten. A <see cref="Dictionary{TKey,TValue}"/>'s
/// order is not that order: a removed entry's slot is the next one filled, so a marker moved again kept its first place
/// and went first, and past the bound each new marker took the slot just freed and was forgotten at the next one, though
/// its mover had been answered "read up to" (a hostile tester's finding).
/// </summary>
internal sealed class MovedMarkers(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Conversation, long MsgId)>> _byConversation = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Conversation, long MsgId)> _moved = new();

    public int Count => _byConversation.Count;

    /// <summary>Oldest moved first.</summary>
    public IEnumerable<(string Conversation, long MsgId)> InOrder => _moved;

    public bool TryGetValue(string conversation, out long msgId)
    {
        var found = _byConversation.TryGetValue(conversation, out var node);
        msgId = found ? node!.Value.MsgId : 0;
        return found;
    }

    /// <summary>The marker, 0 when there is none.</summary>
    public long Of(string conversation) => TryGetValue(conversation, out var msgId) ? msgId : 0;

    /// <summary>Sets the marker; it is the most recently moved now.</summary>
    public void Move(string conversation, long msgId)
    {
        Forget(conversation);
        _byConversation[conversation] = _moved.AddLast((conversation, msgId));
        if (_moved.Count > capacity) Forget(_moved.First!.Value.Conversation);
    }

    public void Forget(string conversation)
    {
        if (_byConversation.Remove(conversation, out var node)) _moved.Remove(node);
    }

    public void Clear()
    {
        _byConversation.Clear();
        _moved.Clear();
    }
}
