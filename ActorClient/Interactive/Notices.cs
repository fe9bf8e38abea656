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
    /// So are characters a terminal draws at a width nobody can know (invisible formatting but the non-joiner and
    /// direction marks of writing, non-characters, unassigned and private-use ones, Hangul fillers): a DM of them was
    /// measured otherwise than tmux drew it, and its rows ran over the chat view's frame into the online list.
    /// Characters joined into one (an emoji sequence: a family, a skin tone, a red heart's or a keycap's selector, a
    /// flag's tags; a joiner of writing too) are shown without what joins them, the first alone: such a cluster's width differs by terminal
    /// (tmux 3.3a drew a thumb with a skin tone 4 cells wide and a red heart 1, Spectre measures both 2), and its rows
    /// ran past the chat view's border or stopped short of it.</summary>
    public static string Printable(string line)
    {
        if (IsPrintable(line)) return line;
        var shown = new System.Text.StringBuilder(line.Length);
        for (var at = 0; at < line.Length;)
        {
            var length = System.Globalization.StringInfo.GetNextTextElementLength(line, at);
            AppendCluster(shown, line.AsSpan(at, length));
            at += length;
        }
        return shown.ToString();
    }

    private const int Zwj = 0x200D, TagFlag = 0x1F3F4;

    // One cluster as shown: the characters before a joiner (a joiner joins the next character into this one: Spectre
    // measured "a", ZWJ, "b" 1 cell, tmux drew 2), without selectors, keycap marks, later skin tones, a flag's tags.
    private static void AppendCluster(System.Text.StringBuilder shown, ReadOnlySpan<char> cluster)
    {
        var first = true;
        var tagFlag = false;
        foreach (var r in cluster.EnumerateRunes())
        {
            if (r.Value == Zwj) return;
            if (first) tagFlag = r.Value == TagFlag;
            else if (IsSkinTone(r) || (tagFlag && IsTag(r))) continue;
            first = false;
            if (IsSelectorOrKeycap(r)) continue;
            if (Shown(r)) shown.Append(r.ToString());
            else shown.Append('?');
        }
    }

    private static bool IsPrintable(string line)
    {
        foreach (var r in line.EnumerateRunes())
            if (!Shown(r) || r.Value == Zwj || IsSelectorOrKeycap(r) || IsSkinTone(r)) return false;
        return true;
    }

    // Emoji and text presentation selectors (Spectre measures a character before U+FE0F 2 cells, tmux 1), the keycap mark.
    private static bool IsSelectorOrKeycap(System.Text.Rune r) => r.Value is 0xFE0E or 0xFE0F or 0x20E3;

    private static bool IsSkinTone(System.Text.Rune r) => r.Value is >= 0x1F3FB and <= 0x1F3FF;

    private static bool IsTag(System.Text.Rune r) => r.Value is >= 0xE0020 and <= 0xE007F;

    private static bool Shown(System.Text.Rune r) => System.Text.Rune.GetUnicodeCategory(r) switch
    {
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.OtherNotAssigned
            or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.Surrogate => false,
        System.Globalization.UnicodeCategory.Format => r.Value is >= 0x200C and <= 0x200F, // ZWNJ, LRM, RLM (ZWJ: AppendCluster)
        _ => r.Value is not (0x115F or 0x1160 or 0x3164 or 0xFFA0), // Hangul fillers: letters that draw nothing
    };

    public bool TryTake(out string line) => _lines.TryDequeue(out line!);

    /// <summary>Completes when a notice arrives or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout) => _signal.WaitAsync(timeout);
}
