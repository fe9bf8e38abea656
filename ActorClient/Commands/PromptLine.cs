namespace Switchboard.Client.Commands;

/// <summary>What a line typed at the main prompt asks for.</summary>
public abstract record PromptAction;

public sealed record MenuPick(int Index) : PromptAction;

public sealed record ShowMenu : PromptAction;

public sealed record ShowHelp : PromptAction;

public sealed record RunCommand(Command Command) : PromptAction;

public sealed record PromptError(string Error) : PromptAction;

/// <summary>
/// The main prompt takes a menu number or any scripted-mode command (DESIGN §4), also IRC-style with a leading
/// <c>/</c> (<c>/msg bob hi</c> is <c>tell bob hi</c>, <c>/part</c> is <c>leave</c>, <c>/quit</c> is <c>exit</c>):
/// the spellings are the <see cref="CommandCatalog"/>'s.
/// </summary>
public static class PromptLine
{
    /// <summary>Null for a blank line.</summary>
    public static PromptAction? Parse(string typed, int menuEntries)
    {
        var line = typed.Trim();
        if (line.Length == 0) return null;
        if (line.All(char.IsAsciiDigit))
            return int.TryParse(line, out var n) && n >= 1 && n <= menuEntries
                ? new MenuPick(n - 1)
                : new PromptError($"there is no menu entry {CommandParser.Truncate(line)}; choose 1-{menuEntries}, or type menu");
        if (CommandParser.Lookup(line) is not var (word, found, rest)) return null;
        return found switch
        {
            null => new PromptError(CommandParser.Unknown(word, "type help for the commands, menu for the menu")),
            { AtPrompt: { } action } => action,
            var spec => CommandParser.Parse(spec, rest) switch
            {
                InvalidCommand c => new PromptError(c.Error),
                var c => new RunCommand(c),
            },
        };
    }
}
