namespace Switchboard.Client;

/// <summary>What a line typed at the main prompt asks for.</summary>
public abstract record PromptAction;

public sealed record MenuPick(int Index) : PromptAction;

public sealed record ShowMenu : PromptAction;

public sealed record ShowHelp : PromptAction;

public sealed record RunCommand(Command Command) : PromptAction;

public sealed record PromptError(string Error) : PromptAction;

/// <summary>
/// The main prompt takes a menu number or any scripted-mode command (DESIGN §4), also IRC-style with a leading
/// <c>/</c> (<c>/msg bob hi</c> is <c>tell bob hi</c>, <c>/part</c> is <c>leave</c>, <c>/quit</c> is <c>exit</c>).
/// </summary>
public static class PromptLine
{
    public const string Help = """
        commands (also with a leading /, as in IRC):
          calc A OP B           arithmetic, OP one of + - * / %      e.g. calc 6 * 7
          even N · prime N · negative N · op NAME ARG...
          who                   who is online, on every node
          tell NAME TEXT        a direct message (/msg NAME TEXT)
          say TEXT              to everyone online
          join ROOM · leave ROOM · rooms · say #ROOM TEXT
          presence on|off       join/leave notices
          menu (or ?)           the numbered menu · 1-8 picks an entry
          unregister · exit     leave (Ctrl-D too; Esc asks first)
        keys: ←/→ Home/End Ctrl-A/E move · Ctrl-U/K/W delete before/after/word · ↑/↓ history · Tab completes
        """;

    /// <summary>Null for a blank line.</summary>
    public static PromptAction? Parse(string typed, int menuEntries)
    {
        var line = typed.Trim();
        if (line.Length == 0) return null;
        if (line.All(char.IsAsciiDigit))
            return int.TryParse(line, out var n) && n >= 1 && n <= menuEntries
                ? new MenuPick(n - 1)
                : new PromptError($"there is no menu entry {Truncate(line)}; choose 1-{menuEntries}, or type menu");
        if (line.StartsWith('/')) line = Irc(line[1..]);
        var space = line.IndexOf(' ');
        var word = space < 0 ? line : line[..space];
        switch (word)
        {
            case "menu" or "?": return new ShowMenu();
            case "help": return new ShowHelp();
        }
        return CommandParser.Parse(line) switch
        {
            null => null,
            InvalidCommand { Name: "?" } => new PromptError($"unknown command '{Truncate(word)}'; type help for the commands, menu for the menu"),
            InvalidCommand c => new PromptError(c.Error),
            var c => new RunCommand(c),
        };
    }

    private static string Irc(string line)
    {
        var space = line.IndexOf(' ');
        var word = space < 0 ? line : line[..space];
        var rest = space < 0 ? "" : line[space..];
        return word switch
        {
            "msg" or "query" => "tell" + rest,
            "part" => "leave" + rest,
            "quit" => "exit",
            "list" => "rooms" + rest,
            _ => line,
        };
    }

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";
}
