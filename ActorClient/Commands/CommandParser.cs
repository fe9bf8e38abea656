namespace Switchboard.Client.Commands;

/// <summary>A line of scripted input (or one typed at the prompt) made a <see cref="Command"/> by the catalog.</summary>
public static class CommandParser
{
    /// <summary>Null for a blank line (skipped, not answered).</summary>
    public static Command? Parse(string line)
    {
        var (word, rest) = Split(line);
        if (word.Length == 0) return null;
        return CommandCatalog.Find(word) is { } spec ? Parse(spec, rest) : Unknown(word);
    }

    /// <summary>The command <paramref name="spec"/> names, from the rest of its line; the prompt's own commands
    /// (help, menu) are no command a script can send.</summary>
    public static Command Parse(CommandSpec spec, string rest) =>
        spec.Parse is { } parse ? parse(new Arguments(rest)) : Unknown(spec.Name);

    /// <summary>The first word and the rest of the line, trimmed.</summary>
    public static (string Word, string Tail) Split(string s)
    {
        s = s.Trim();
        var space = s.IndexOfAny([' ', '\t']);
        return space < 0 ? (s, "") : (s[..space], s[(space + 1)..].Trim());
    }

    public static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";

    private static InvalidCommand Unknown(string word) =>
        new("?", $"unknown command '{Truncate(word)}'; commands: {string.Join(' ', CommandCatalog.Scripted.Select(c => c.Name))}");
}

/// <summary>What follows a command's name: <see cref="Text"/> as typed (inner spaces kept), or its words.</summary>
public sealed record Arguments(string Text)
{
    public string[] Words => Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
