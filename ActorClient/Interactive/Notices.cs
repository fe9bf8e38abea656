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
    /// screen or retitles the window) are shown as '?'. The server refuses them too; this client does not rely on it.
    /// So are characters a terminal draws at a width nobody can know (invisible formatting but the joiners and
    /// direction marks of writing, non-characters, unassigned and private-use ones, Hangul fillers): a DM of them was
    /// measured otherwise than tmux drew it, and its rows ran over the chat view's frame into the online list.</summary>
    public static string Printable(string line)
    {
        if (IsPrintable(line)) return line;
        var shown = new System.Text.StringBuilder(line.Length);
        foreach (var r in line.EnumerateRunes())
            if (Shown(r)) shown.Append(r.ToString());
            else shown.Append('?');
        return shown.ToString();
    }

    private static bool IsPrintable(string line)
    {
        foreach (var r in line.EnumerateRunes())
            if (!Shown(r)) return false;
        return true;
    }

    private static bool Shown(System.Text.Rune r) => System.Text.Rune.GetUnicodeCategory(r) switch
    {
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.OtherNotAssigned
            or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.Surrogate => false,
        System.Globalization.UnicodeCategory.Format => r.Value is >= 0x200C and <= 0x200F, // ZWNJ, ZWJ, LRM, RLM
        _ => r.Value is not (0x115F or 0x1160 or 0x3164 or 0xFFA0), // Hangul fillers: letters that draw nothing
    };

    public bool TryTake(out string line) => _lines.TryDequeue(out line!);

    /// <summary>Completes when a notice arrives or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout) => _signal.WaitAsync(timeout);
}
