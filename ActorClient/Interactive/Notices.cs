using System.Collections.Concurrent;

namespace Switchboard.Client.Interactive;

/// <summary>Lines that arrive while a person is typing (messages, presence, connection changes), queued
/// by the client actor and shown by the menu above its prompt.</summary>
public sealed class Notices
{
    /// <summary>Lines the console may have yet to show before the client stops acknowledging pushed events: far more than
    /// a join's replay or a burst of chat, a few MB at most however long the texts.</summary>
    public const int MaxUnshown = 256;

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Lines queued and not yet taken by the console.</summary>
    public int Count => _lines.Count;

    public void Add(string line)
    {
        _lines.Enqueue(Printable(line));
        _signal.Release();
    }

    /// <summary>What a peer wrote never drives the terminal: control characters (an escape sequence that clears the
    /// screen or retitles the window) are shown as '?'. The server refuses them too; this client does not rely on it.</summary>
    public static string Printable(string line) =>
        line.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') < 0 && !line.Contains('\u007f') && !line.Any(c => c is >= '\u0080' and <= '\u009f')
            ? line
            : string.Create(line.Length, line, (span, l) =>
            {
                for (var i = 0; i < l.Length; i++) span[i] = char.IsControl(l[i]) ? '?' : l[i];
            });

    public bool TryTake(out string line) => _lines.TryDequeue(out line!);

    /// <summary>Completes when a notice arrives or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout) => _signal.WaitAsync(timeout);
}
