namespace Switchboard.Client.Commands;

/// <summary>The commands as the help texts show them, written from the <see cref="CommandCatalog"/>.</summary>
public static class CommandHelp
{
    // First: the static texts below are written from it as the class starts.
    private static readonly string[] Keys = ["←/→ Home/End Ctrl-A/E move", "Ctrl-U/K/W delete before/after/word", "↑/↓ history", "PgUp/PgDn scroll (--chat)", "Tab completes"];

    /// <summary>Under the menu: a few commands to try, and how to see them all; the message goes to someone else than
    /// <paramref name="self"/> (bob was told to tell bob).</summary>
    public static string MenuHint(string self) =>
        $"Type a number or a command (tell {(string.Equals(self, "bob", StringComparison.OrdinalIgnoreCase) ? "alice" : "bob")} hi, " +
        "calc 6 * 7, say #games gg, who);\nhelp lists them all, menu shows this again.";

    /// <summary>The in-app <c>help</c>: a command a line, with what it does and its other spellings.</summary>
    public static string Prompt { get; } = PromptText(HelpText.Width);

    /// <summary>The in-app <c>help</c> laid out for <paramref name="width"/> columns (the chat view's message pane, narrower
    /// than a terminal): laid out for 80 and wrapped again by the pane, its summaries broke across the usage column.</summary>
    public static string PromptFor(int width) => width >= HelpText.Width ? Prompt : PromptText(width);

    /// <summary>The commands part of <c>ActorClient --help</c>: the usages only, wrapped.</summary>
    public static string Brief { get; } = string.Join('\n',
        "commands (scripted and at the prompt; also with a leading /, as in IRC):",
        HelpText.Wrap(CommandCatalog.Scripted.SelectMany(c => c.Usages), "  "),
        HelpText.Wrap(CommandCatalog.All.Where(c => c.Parse is null).SelectMany(c => c.Usages), "    ", lead: "  at the prompt only: "),
        HelpText.Wrap(CommandCatalog.All.Where(c => c.OtherSpellings.Any()).Select(c => $"{string.Join(' ', c.OtherSpellings)} ({c.Name})"),
            "    ", lead: "  other spellings: "));

    // Usages longer than this get their summary on a line of their own.
    private const int WideUsage = 28;

    private static string PromptText(int width)
    {
        var rows = CommandCatalog.All.Select(c => (Usages: c.Usages.ToArray(), c.Summary, Also: string.Join(' ', c.OtherSpellings))).ToArray();
        // The summaries line up after the usual usages; a longer usage has its summary on the next line, and a command
        // of several usages (history's) a line each, so no usage pushes every summary past a terminal's width.
        var column = rows.SelectMany(r => r.Usages).Select(u => u.Length).Where(n => n <= WideUsage).DefaultIfEmpty(WideUsage).Max() + 2;
        if (width - column - 2 < NarrowSummary) return NarrowText(rows, width);
        return string.Join('\n', rows
            .Select(r => string.Join('\n', r.Usages[..^1].Select(u => "  " + u)
                .Append(HelpText.Hang("  " + r.Usages[^1], column + 2, r.Summary + (r.Also.Length > 0 ? $" (also {r.Also})" : ""), width))))
            .Prepend("commands (also with a leading /, as in IRC):")
            .Append(HelpText.Wrap(Keys, "  ", width, lead: "keys: ")));
    }

    // Fewer columns than this beside the usages (the chat view's pane in a 40-column window has 22 in all), and each
    // summary goes under its usage: hung at the usage column, its words stood one a line ("E", "sc", "a", "sks").
    private const int NarrowSummary = 24;

    private static string NarrowText((string[] Usages, string Summary, string Also)[] rows, int width) =>
        string.Join('\n', rows
            .Select(r => string.Join('\n', r.Usages.Select(u => HelpText.Hang("", 2, u, width))
                .Append(HelpText.Hang("", 4, r.Summary + (r.Also.Length > 0 ? $" (also {r.Also})" : ""), width))))
            .Prepend(HelpText.Hang("", 0, "commands (also with a leading /, as in IRC):", width))
            .Append("keys:")
            .Concat(Keys.Select(k => HelpText.Hang("", 2, k, width))));
}
