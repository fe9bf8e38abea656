using System.Collections.Concurrent;

namespace Switchboard.Client;

/// <summary>Lines that arrive while a person is typing (messages, presence, connection changes), queued
/// by the client actor and shown by the menu above its prompt.</summary>
public sealed class Notices
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _signal = new(0);

    public void Add(string line)
    {
        _lines.Enqueue(line);
        _signal.Release();
    }

    public bool TryTake(out string line) => _lines.TryDequeue(out line!);

    /// <summary>Completes when a notice arrives or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout) => _signal.WaitAsync(timeout);
}
