using System.Text;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// What a log line may carry of text a peer chose (an address, a path, a manifest, an exception quoting one): control
/// characters written as escapes, so no line can return to its start or drive the operator's terminal, and at most
/// <see cref="MaxMessage"/> characters. A line feed stays: both console formatters already keep a line one line (text
/// writes it as a space, JSON escapes it), and an exception's stack keeps its lines in JSON. The quotas count lines, not bytes: a stranger's warnings quoting a
/// 400 KB sender path filled the log at 17 MB a second, and its carriage returns and escapes forged whole lines.
/// </summary>
public static class LogText
{
    /// <summary>Characters of one message; far above any line the node writes itself.</summary>
    public const int MaxMessage = 4096;

    /// <summary>Characters of one exception with its stack.</summary>
    public const int MaxException = 16384;

    public static string Clean(string? text, int max = MaxMessage)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var cut = text.Length > max;
        var span = cut ? text.AsSpan(0, max) : text.AsSpan();
        if (!cut && !NeedsEscape(span)) return text; // the usual line: no copy
        var b = new StringBuilder(span.Length + 32);
        foreach (var c in span)
        {
            if (!IsUnsafe(c)) b.Append(c);
            else if (c == '\r') b.Append("\\r");
            else b.Append("\\u").Append(((int)c).ToString("x4"));
        }
        if (cut) b.Append($"... ({text.Length - max} more characters)");
        return b.ToString();
    }

    private static bool NeedsEscape(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (IsUnsafe(c)) return true;
        return false;
    }

    // C0 and C1 controls and DEL (escapes, carriage return, bell; a tab is only space), and what chat refuses besides:
    // the Unicode line and paragraph separators and the bidirectional formatting that make a line read otherwise.
    private static bool IsUnsafe(char c) =>
        (char.IsControl(c) && c is not '\t' and not '\n') || Rooms.ChatRules.IsLineOrDirectionBreaker(c);
}

/// <summary>An exception as a log line shows it: its text through <see cref="LogText.Clean"/>.</summary>
public sealed class LoggedException(Exception inner) : Exception(LogText.Clean(inner.Message))
{
    public override string ToString() => LogText.Clean(inner.ToString(), LogText.MaxException);
}
