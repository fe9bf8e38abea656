namespace Switchboard.Server.Chat;

/// <summary>The last <see cref="Capacity"/> messages of one room, oldest first.</summary>
public sealed class RoomHistory(int capacity)
{
    private readonly Queue<(string From, string Text)> _messages = new();

    public int Capacity { get; } = capacity;
    public int Count => _messages.Count;

    public void Add(string from, string text)
    {
        if (_messages.Count == Capacity) _messages.Dequeue();
        _messages.Enqueue((from, text));
    }

    public (string From, string Text)[] ToArray() => [.. _messages];
}
