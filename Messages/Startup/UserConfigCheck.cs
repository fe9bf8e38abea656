using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Switchboard.Messages.Startup;

/// <summary>
/// Checks a user's <c>--config</c> file before it is read over the shipped ones. Akka's parser takes unbalanced
/// braces and brackets without a word (and drops whatever follows a stray '}'), and a misspelt key would leave its
/// default in force unnoticed: both are start errors instead (<see cref="ConfigurationException"/>, exit code 2).
/// </summary>
public static class UserConfigCheck
{
    // The project's own namespaces: every key under them has its default in the shipped hocon, so any other is a typo.
    // Akka's are not checked: its modules' reference settings and open tables (serializers, adapters) are not all here.
    private static readonly string[] Roots = ["switchboard", "switchboard-client"];

    /// <param name="known">Every shipped setting (hocon/*.hocon together).</param>
    public static void Check(string path, string text, Config known)
    {
        Structure(path, text);
        var user = ConfigurationFactory.ParseString(text);
        foreach (var root in Roots)
            if (user.HasPath(root) && user.GetValue(root).IsObject()) Keys(path, root, user.GetValue(root).GetObject(), known);
    }

    private static void Keys(string path, string at, HoconObject user, Config known)
    {
        foreach (var (key, value) in user.Items)
        {
            var full = $"{at}.{key}";
            if (!known.HasPath(full))
                throw new ConfigurationException($"{path}: {full} is not a setting{Suggestion(full, known)}");
            if (value.IsObject() && known.GetValue(full).IsObject()) Keys(path, full, value.GetObject(), known);
        }
    }

    // The nearest setting: a sibling spelt nearly the same, else one of the same last name elsewhere (a level missed).
    private static string Suggestion(string full, Config known)
    {
        var dot = full.LastIndexOf('.');
        var (parent, name) = (full[..dot], full[(dot + 1)..]);
        var siblings = known.GetValue(parent).GetObject().Items.Keys;
        var near = siblings.Select(s => (Key: s, Distance: Distance(name, s))).MinBy(s => s.Distance);
        if (near.Key is not null && near.Distance <= Math.Max(2, name.Length / 3)) return $"; did you mean {parent}.{near.Key}?";
        var root = full[..full.IndexOf('.')];
        var elsewhere = Paths(root, known.GetValue(root).GetObject()).FirstOrDefault(p => p.EndsWith("." + name, StringComparison.Ordinal));
        return elsewhere is null ? " (the shipped hocon/*.hocon files list every setting)" : $"; did you mean {elsewhere}?";
    }

    private static IEnumerable<string> Paths(string at, HoconObject o) =>
        o.Items.SelectMany(kv => kv.Value.IsObject() ? Paths($"{at}.{kv.Key}", kv.Value.GetObject()).Prepend($"{at}.{kv.Key}") : [$"{at}.{kv.Key}"]);

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    // Brackets and strings, outside comments: what Akka's parser would not complain of.
    private static void Structure(string path, string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') line++;
            else if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
            else if (c == '"') i = StringEnd(path, text, i, ref line);
            else if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                if (!open.TryPop(out var opened))
                    throw new ConfigurationException($"{path} line {line}: '{c}' closes nothing");
                if (Closer(opened.Bracket) != c)
                    throw new ConfigurationException($"{path} line {line}: '{c}' where '{Closer(opened.Bracket)}' was due for the '{opened.Bracket}' of line {opened.Line}");
            }
        }
        if (open.TryPop(out var left))
            throw new ConfigurationException($"{path} line {left.Line}: '{left.Bracket}' is never closed");
    }

    private static char Closer(char bracket) => bracket == '{' ? '}' : ']';

    // The index of a string's closing quote; a quoted string ends on its line, a triple-quoted one may span lines.
    private static int StringEnd(string path, string text, int start, ref int line)
    {
        var from = line;
        if (string.CompareOrdinal(text, start, "\"\"\"", 0, 3) == 0)
        {
            var end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            if (end < 0) throw new ConfigurationException($"{path} line {from}: the \"\"\" string is never closed");
            while (end + 3 < text.Length && text[end + 3] == '"') end++; // quotes just before the end belong to the string
            line += text.AsSpan(start, end - start).Count('\n');
            return end + 2;
        }
        for (var i = start + 1; i < text.Length; i++)
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
            else if (text[i] == '\n') break;
        throw new ConfigurationException($"{path} line {from}: a quoted string is never closed");
    }
}
