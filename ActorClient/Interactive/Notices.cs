using System.Collections.Concurrent;

namespace Switchboard.Client.Interactive;

/// <summary>Lines that arrive while a person is typing (messages, presence, connection changes), queued
/// by the client actor and shown by the menu above its prompt.</summary>
public sealed class Notices
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _signal = new(0);

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
