namespace Switchboard.Client.Commands;

/// <summary>A line of scripted input (or one typed at the prompt) made a <see cref="Command"/> by the catalog.</summary>
public static class CommandParser
{
    /// <summary>Null for a blank line (skipped, not answered).</summary>
    public static Command? Parse(string line) => Lookup(line) switch
    {
        null => null,
        (var word, null, _) => new InvalidCommand("?", Unknown(word, $"commands: {string.Join(' ', CommandCatalog.Scripted.Select(c => c.Name))}")),
        (_, var spec, var rest) => Parse(spec, rest),
    };

    /// <summary>
    /// A line's command word, as a script and the prompt both read it: by name or alias, or after a leading <c>/</c>
    /// also by its slash words (<c>/msg</c>); the spec is null for no command. Null for a blank line.
    /// </summary>
    public static (string Word, CommandSpec? Spec, string Tail)? Lookup(string line)
    {
        line = line.Trim();
        var slash = line.StartsWith('/');
        var (word, rest) = Split(slash ? line[1..] : line);
        if (slash) word = "/" + word;
        return word.Length == 0 ? null : (word, CommandCatalog.Resolve(word), rest);
    }

    /// <summary>The command <paramref name="spec"/> names, from the rest of its line; the prompt's own commands
    /// (help, menu) are no command a script can send.</summary>
    public static Command Parse(CommandSpec spec, string rest) =>
        spec.Parse is { } parse ? parse(new Arguments(rest)) : new InvalidCommand("?", $"{spec.Name} is for the interactive prompt only");

    /// <summary>"unknown command 'W'", with the spelling meant when W is a slash word typed without its slash (msg), or
    /// the one command W is a typo of (tel, histroy); else followed by <paramref name="then"/>.</summary>
    public static string Unknown(string word, string then) =>
        CommandCatalog.All.FirstOrDefault(c => c.Slash.Contains(word) && word != c.Name) is { } meant
            ? $"unknown command '{word}'; did you mean /{word} ({meant.Name})?"
            : TypoOf(word) is { } command
                ? $"unknown command '{word}'; did you mean {command}? ({then})"
                : $"unknown command '{Truncate(word)}'; {then}";

    // The one command name (3 letters or more typed) that the word is one edit from, in any case: a letter missing,
    // extra, wrong, or two next to each other swapped. None when no name is, or several are.
    private static string? TypoOf(string word)
    {
        var typed = word.TrimStart('/').ToLowerInvariant();
        if (typed.Length < 3 || typed.Length > 32) return null;
        var near = CommandCatalog.All.Select(c => c.Name).Where(n => OneEditApart(typed, n)).Distinct().ToArray();
        return near is [var only] ? only : null;
    }

    private static bool OneEditApart(string a, string b)
    {
        if (a == b) return true;
        if (Math.Abs(a.Length - b.Length) > 1) return false;
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        if (a.Length == b.Length)
            return a[(i + 1)..] == b[(i + 1)..]
                || (i + 1 < a.Length && a[i] == b[i + 1] && a[i + 1] == b[i] && a[(i + 2)..] == b[(i + 2)..]);
        return a.Length > b.Length ? a[(i + 1)..] == b[i..] : a[i..] == b[(i + 1)..];
    }

    /// <summary>The first word and the rest of the line, trimmed.</summary>
    public static (string Word, string Tail) Split(string s)
    {
        s = s.Trim();
        var space = s.IndexOfAny([' ', '\t']);
        return space < 0 ? (s, "") : (s[..space], s[(space + 1)..].Trim());
    }

    public static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";
}

/// <summary>What follows a command's name: <see cref="Text"/> as typed (inner spaces kept), or its words.</summary>
public sealed record Arguments(string Text)
{
    public string[] Words => Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
