namespace Switchboard.Client.Commands;

/// <summary>The commands as the help texts show them, written from the <see cref="CommandCatalog"/>.</summary>
public static class CommandHelp
{
    /// <summary>Under the menu: a few commands to try, and how to see them all.</summary>
    public const string MenuHint = "Type a number or a command (tell bob hi, calc 6 * 7, say #games gg, who); help lists them, menu shows this again.";

    /// <summary>The in-app <c>help</c>: a command a line, with what it does and its other spellings.</summary>
    public static string Prompt { get; } = PromptText();

    /// <summary>The commands part of <c>ActorClient --help</c>: the usages only, wrapped.</summary>
    public static string Brief { get; } = string.Join('\n',
        "commands (scripted mode and the interactive prompt; also with a leading /, as in IRC):",
        HelpText.Wrap(CommandCatalog.Scripted.SelectMany(c => c.Usages), "  "),
        "  at the prompt only: " + string.Join(" · ", CommandCatalog.All.Where(c => c.Parse is null).SelectMany(c => c.Usages)),
        "  other spellings: " + string.Join(" · ", CommandCatalog.All.Where(c => c.OtherSpellings.Any())
            .Select(c => $"{string.Join(' ', c.OtherSpellings)} ({c.Name})")));

    // Usages longer than this get their summary on a line of their own.
    private const int WideUsage = 28;

    private static string PromptText()
    {
        var rows = CommandCatalog.All.Select(c => (Usage: string.Join(" · ", c.Usages), c.Summary, Also: string.Join(' ', c.OtherSpellings))).ToArray();
        // The summaries line up after the usual usages; a longer usage (history's) has its summary on the next line,
        // so one long usage does not push every summary past a terminal's width.
        var column = rows.Select(r => r.Usage.Length).Where(n => n <= WideUsage).DefaultIfEmpty(WideUsage).Max() + 2;
        return string.Join('\n', rows
            .Select(r => $"  {(r.Usage.Length + 2 <= column ? r.Usage.PadRight(column) : r.Usage + "\n  " + new string(' ', column))}{r.Summary}{(r.Also.Length > 0 ? $" (also {r.Also})" : "")}")
            .Prepend("commands (also with a leading /, as in IRC):")
            .Append("keys: ←/→ Home/End Ctrl-A/E move · Ctrl-U/K/W delete before/after/word · ↑/↓ history · Tab completes"));
    }
}
