using System.Text.RegularExpressions;
using Switchboard.Messages.Startup;

namespace Switchboard.Tests.Client.Commands;

/// <summary>The help texts and the command catalog cannot drift apart: what help shows parses, and every command is shown.</summary>
public sealed class CommandCatalogSpecs
{
    // A sample for each placeholder of a usage, so "tell NAME TEXT" can be typed as a person would.
    private static readonly Dictionary<string, string> Samples = new()
    {
        ["A"] = "6", ["OP"] = "*", ["B"] = "7", ["N"] = "97", ["NAME"] = "bob", ["ARG..."] = "2", ["TEXT"] = "hi",
        ["#ROOM"] = "#games", ["ROOM"] = "games", ["on|off"] = "on", ["MS"] = "10", ["FILE"] = PasswordFile(),
        ["#ROOM|NAME"] = "bob", ["[COUNT]"] = "5", ["before|after|around"] = "around", ["ID"] = "3", ["[latest]"] = "latest",
    };

    // passwd FILE reads the new password when it is typed: the sample is a real private file.
    private static string PasswordFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sb-help-password-{Environment.ProcessId}");
        File.WriteAllText(path, "sample-password\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public static TheoryData<string, string> Helps => new()
    {
        { "in-app help", CommandHelp.Prompt },
        { "--help", ClientHelp.Text },
    };

    [Theory]
    [MemberData(nameof(Helps))]
    public void Every_command_and_every_spelling_of_it_is_in_the_help(string which, string help)
    {
        foreach (var c in CommandCatalog.All)
        {
            foreach (var usage in c.Usages) Assert.True(Words(help).Contains(usage), $"{which} lacks '{usage}'");
            foreach (var spelling in c.OtherSpellings) Assert.True(Tokens(help).Contains(spelling), $"{which} lacks '{spelling}' ({c.Name})");
        }
    }

    [Theory]
    [MemberData(nameof(Helps))]
    public void Every_command_the_help_shows_parses_as_that_command(string which, string help)
    {
        var shown = CommandItems(help).ToArray();
        Assert.NotEmpty(shown);
        foreach (var usage in shown)
        {
            var typed = string.Join(' ', usage.Split(' ').Select(w => Samples.GetValueOrDefault(w, w)));
            var spec = CommandCatalog.Resolve(usage.Split(' ')[0]);
            Assert.True(spec is not null, $"{which} shows '{usage}', which is no command");
            Assert.Equal((which, usage, spec.Name), (which, usage, Outcome(typed)));
        }
    }

    // A terminal's usual width: help that wraps past it breaks its own columns (a new user's finding).
    [Theory]
    [MemberData(nameof(Helps))]
    public void Every_line_of_the_help_fits_in_80_columns(string which, string help)
    {
        var wide = help.Split('\n').Where(l => l.Length > 80).ToArray();
        Assert.True(wide.Length == 0, $"{which}: {wide.Length} line(s) past 80 columns:\n{string.Join('\n', wide)}");
    }

    [Fact]
    public void Every_other_spelling_is_the_same_command()
    {
        foreach (var c in CommandCatalog.All)
        foreach (var spelling in c.OtherSpellings.Append(c.Name))
            Assert.Equal((spelling, c.Name), (spelling, Outcome(string.Join(' ', c.Usages.First().Split(' ').Skip(1).Prepend(spelling).Select(w => Samples.GetValueOrDefault(w, w))))));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("bob")]
    [InlineData("BOB")]
    public void The_examples_under_the_menu_are_commands_and_do_not_message_oneself(string self)
    {
        var examples = Regex.Match(CommandHelp.MenuHint(self), @"\(([^)]*)\)").Groups[1].Value.Split(", ");
        Assert.True(examples.Length >= 3);
        foreach (var e in examples) Assert.IsType<RunCommand>(PromptLine.Parse(e, 8));
        var tell = Assert.Single(examples, e => e.StartsWith("tell ", StringComparison.Ordinal));
        Assert.NotEqual(self, tell.Split(' ')[1], StringComparer.OrdinalIgnoreCase);
        Assert.All(CommandHelp.MenuHint(self).Split('\n'), line => Assert.InRange(line.Length, 1, HelpText.Width));
    }

    // --help says its commands work in scripted mode and at the prompt: so do their other spellings, /msg included.
    [Fact]
    public void Every_spelling_of_a_scripted_command_works_in_a_script_as_at_the_prompt()
    {
        foreach (var c in CommandCatalog.Scripted)
            foreach (var spelling in c.OtherSpellings.Append(c.Name).Append("/" + c.Name))
            {
                var typed = string.Join(' ', c.Usages.First().Split(' ').Skip(1).Prepend(spelling).Select(w => Samples.GetValueOrDefault(w, w)));
                Assert.Equal((typed, c.Name), (typed, CommandParser.Parse(typed)?.Name));
                Assert.IsNotType<InvalidCommand>(CommandParser.Parse(typed));
            }
    }

    [Theory]
    [InlineData("msg bob hi", "unknown command 'msg'; did you mean /msg (tell)?")]
    [InlineData("part games", "unknown command 'part'; did you mean /part (leave)?")]
    [InlineData("help", "help is for the interactive prompt only")]
    [InlineData("/menu", "menu is for the interactive prompt only")]
    public void A_slash_word_without_its_slash_or_a_prompt_command_in_a_script_is_told_what_it_is(string typed, string error)
    {
        Assert.StartsWith(error, Assert.IsType<InvalidCommand>(CommandParser.Parse(typed)).Error);
    }

    // A new user's typos (`tel bob hi`, `histroy bob`): one letter off a command, missing, extra or two swapped, names
    // it; a word near none, or near two, is told the list as before.
    [Theory]
    [InlineData("tel bob hi", "unknown command 'tel'; did you mean tell?")]
    [InlineData("histroy bob", "unknown command 'histroy'; did you mean history?")]
    [InlineData("joinn games", "unknown command 'joinn'; did you mean join?")]
    [InlineData("Who", "unknown command 'Who'; did you mean who?")]
    public void A_command_word_one_letter_off_is_told_the_command_meant(string typed, string error)
    {
        Assert.StartsWith(error, Assert.IsType<InvalidCommand>(CommandParser.Parse(typed)).Error);
        Assert.StartsWith(error, Assert.IsType<PromptError>(PromptLine.Parse(typed, 8)).Error);
    }

    [Theory]
    [InlineData("xyzzy")]
    [InlineData("ab")]
    public void A_word_near_no_command_is_told_the_commands(string typed) =>
        Assert.DoesNotContain("did you mean", Assert.IsType<InvalidCommand>(CommandParser.Parse(typed)).Error);

    [Fact]
    public void A_slash_word_without_its_slash_at_the_prompt_is_told_the_spelling()
    {
        Assert.StartsWith("unknown command 'query'; did you mean /query (tell)?", Assert.IsType<PromptError>(PromptLine.Parse("query bob hi", 8)).Error);
    }

    [Fact]
    public void Only_the_prompts_own_commands_are_unknown_to_a_script()
    {
        foreach (var c in CommandCatalog.All)
            Assert.Equal(c.AtPrompt is not null, CommandParser.Parse(c.Name) is InvalidCommand { Name: "?" });
    }

    /// <summary>What the prompt does with <paramref name="typed"/>: the command's name, or help/menu.</summary>
    private static string Outcome(string typed) => PromptLine.Parse(typed, 8) switch
    {
        RunCommand r => r.Command.Name,
        ShowHelp => "help",
        ShowMenu => "menu",
        var other => $"{other}",
    };

    /// <summary>
    /// The usages in a help's commands part: the in-app help's first column, the --help lines' " · " items (the
    /// other spellings line is checked by <see cref="Every_command_and_every_spelling_of_it_is_in_the_help"/>).
    /// </summary>
    private static IEnumerable<string> CommandItems(string help)
    {
        var lines = help.Split('\n').SkipWhile(l => !l.StartsWith("commands (")).Skip(1)
            .TakeWhile(l => l.StartsWith("  ") && !l.Contains("other spellings:"));
        // A summary on a line of its own (under a long usage) is indented past the usages.
        foreach (var line in lines.Where(l => !l.StartsWith("   ")))
        {
            var text = line.Trim().Replace("at the prompt only: ", "");
            // In-app help: the usages end where two spaces start the summary.
            var usages = text.Contains("  ") ? text[..text.IndexOf("  ", StringComparison.Ordinal)] : text;
            foreach (var usage in usages.Split(" · ")) yield return usage;
        }
    }

    private static HashSet<string> Words(string help) => CommandItems(help).ToHashSet();

    private static HashSet<string> Tokens(string help) =>
        help.Split([' ', '\n', '(', ')'], StringSplitOptions.RemoveEmptyEntries).ToHashSet();
}

/// <summary>One table of response codes: docs/protocol.md lists exactly those codes with the same meanings.</summary>
public sealed class ResponseCodesSpecs
{
    [Fact]
    public void The_protocol_docs_table_lists_exactly_the_codes_with_their_meanings()
    {
        var readme = File.ReadAllLines(Path.Combine(RepoRoot.Find(), "docs", "protocol.md"));
        var rows = readme.SkipWhile(l => l != "## Response codes").Skip(1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .Where(cells => cells.Length > 2 && int.TryParse(cells[1], out _))
            .Select(cells => $"{cells[1]} {cells[2]}");
        Assert.Equal(Codes.All.Select(c => $"{c.Code} {c.Meaning}"), rows);
    }

    // operating.md shows ActorClient --help whole: its copy had fallen behind (wider than 80 columns, worded otherwise).
    [Fact]
    public void The_operating_guides_copy_of_the_clients_help_is_the_programs_own()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot.Find(), "docs", "operating.md")).ReplaceLineEndings("\n");
        var start = doc.IndexOf("$ ActorClient --help\n", StringComparison.Ordinal) + "$ ActorClient --help\n".Length;
        Assert.Equal(ClientHelp.Text.ReplaceLineEndings("\n").TrimEnd(), doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)].TrimEnd());
    }

    [Fact]
    public void The_clients_help_has_every_code_and_the_servers_those_a_server_sends()
    {
        foreach (var c in Codes.All)
        {
            Assert.Contains($"{c.Code} {c.Meaning}", ClientHelp.Text);
            Assert.Equal(c.FromServer, Codes.Help("", fromServerOnly: true).Contains($"{c.Code} {c.Meaning}"));
        }
    }
}

/// <summary>What a person typing <c>history</c> wrongly is told: what is wrong with it, in their terms.</summary>
public sealed class HistoryCommandSpecs
{
    private static string Problem(string line) => Assert.IsType<InvalidCommand>(CommandParser.Parse(line)).Error;

    [Theory]
    [InlineData("history #lobby lots", "the count 'lots' is not a whole number")]
    [InlineData("history bob before 9223372036854775808", "the message id '9223372036854775808' is too large")]
    [InlineData("history bob before x7", "the message id 'x7' is not a whole number")]
    // A negative number past long's range is not "too large": it is below 1, as the server says of -1 (hB's finding).
    [InlineData("history #lobby -99999999999999999999", "the count '-99999999999999999999' is below 1 (a whole number from 1)")]
    [InlineData("history bob before -9223372036854775809", "the message id '-9223372036854775809' is below 1 (a whole number from 1)")]
    [InlineData("history bob before", "usage: history")]
    [InlineData("history bob around", "usage: history")]
    [InlineData("history bob latest 5 6", "usage: history")]
    public void A_wrong_history_command_says_what_is_wrong(string line, string expected) => Assert.Contains(expected, Problem(line));

    [Theory]
    [InlineData("history bob", HistoryAnchor.Latest, 0L, CommandCatalog.DefaultHistoryCount)]
    [InlineData("history bob latest 5", HistoryAnchor.Latest, 0L, 5)]
    [InlineData("history #lobby before 12 3", HistoryAnchor.Before, 12L, 3)]
    [InlineData("history #lobby around 12", HistoryAnchor.Around, 12L, CommandCatalog.DefaultHistoryCount)]
    // protocol.md: "a larger count is answered with 100, not refused": any larger count, not only up to int's 2^31 - 1
    // (the server answers int.MaxValue with its max-query like 1000).
    [InlineData("history #lobby 99999999999", HistoryAnchor.Latest, 0L, int.MaxValue)]
    [InlineData("history #lobby before 12 9223372036854775807", HistoryAnchor.Before, 12L, int.MaxValue)]
    [InlineData("history #lobby 1000000000000000000000", HistoryAnchor.Latest, 0L, int.MaxValue)]
    public void A_history_command_asks_what_was_typed(string line, HistoryAnchor anchor, long at, int count)
    {
        var query = Assert.IsType<HistoryQuery>(Assert.IsType<WireCommand>(CommandParser.Parse(line)).Make(1));
        Assert.Equal((anchor, at, count), (query.Anchor, query.At, query.Count));
    }
}

/// <summary>What a person typing <c>markread</c> wrongly is told: what is wrong with its id, as <c>history</c> says it.</summary>
public sealed class MarkReadCommandSpecs
{
    private static string Problem(string line) => Assert.IsType<InvalidCommand>(CommandParser.Parse(line)).Error;

    [Theory]
    [InlineData("markread bob x7", "the message id 'x7' is not a whole number")]
    [InlineData("markread bob 1.5", "the message id '1.5' is not a whole number")]
    [InlineData("markread #lobby 99999999999999999999", "the message id '99999999999999999999' is too large")]
    [InlineData("markread #lobby -99999999999999999999", "the message id '-99999999999999999999' is below 1")]
    [InlineData("markread bob", "usage: markread #ROOM|NAME ID")]
    [InlineData("markread bob 3 4", "usage: markread #ROOM|NAME ID")]
    public void A_wrong_markread_command_says_what_is_wrong(string line, string expected) => Assert.Contains(expected, Problem(line));

    // Someone told "unread: bob 121" at login types `markread bob` or `markread bob latest` (history takes `latest`):
    // the answer says where the id to give is found, for that conversation.
    [Theory]
    [InlineData("markread bob", "history bob 1")]
    [InlineData("markread bob latest", "history bob 1")]
    [InlineData("markread #lobby all", "history #lobby 1")]
    public void A_markread_without_an_id_says_where_to_find_the_newest(string line, string hint) => Assert.Contains(hint, Problem(line));

    [Fact]
    public void A_markread_command_goes_to_the_server_as_typed() =>
        Assert.Equal(["#lobby", "12"], Assert.IsType<ChatCommand>(Assert.IsType<WireCommand>(CommandParser.Parse("markread #lobby 12")).Make(1)).Args);
}

/// <summary>Leaving, by exit or unregister, does not give up a reservation: the help must not read as if it did.</summary>
public sealed class LeavingCommandSpecs
{
    [Theory]
    [InlineData("exit")]
    [InlineData("unregister")]
    public void Leaving_says_you_go_offline_not_that_your_name_is_given_up(string command)
    {
        var summary = CommandCatalog.Find(command)!.Summary;
        Assert.Contains("you go offline", summary);
        Assert.DoesNotContain("give up your name", summary);
    }
}

/// <summary><c>tell</c> without a name is told its usage; it went to the server, which answered "recipient: name is empty".</summary>
public sealed class TellCommandSpecs
{
    [Theory]
    [InlineData("tell")]
    [InlineData("/msg")]
    [InlineData("/query   ")]
    public void Tell_without_a_name_is_told_its_usage(string line) =>
        Assert.Equal("usage: tell NAME TEXT", Assert.IsType<InvalidCommand>(CommandParser.Parse(line)).Error);

    // With a name, the rest is the server's to judge (an empty text, a bad name): its answers carry both sequence numbers.
    [Theory]
    [InlineData("tell bob")]
    [InlineData("tell bad/name hi")]
    public void Tell_with_a_name_goes_to_the_server(string line) => Assert.IsType<WireCommand>(CommandParser.Parse(line));
}

/// <summary><c>passwd ~/FILE</c> at the prompt: the prompt is no shell, and a new user's <c>passwd ~/new.pw</c> was
/// answered "cannot read password file ~/new.pw: no such file" for a file that was there.</summary>
public sealed class PasswdCommandSpecs
{
    [Theory]
    [InlineData("~/new.pw", "/home/a/new.pw")]
    [InlineData("~", "/home/a")]
    [InlineData("/etc/pw", "/etc/pw")]
    [InlineData("pw~/x", "pw~/x")]
    [InlineData("~bob/pw", "~bob/pw")]
    public void A_leading_tilde_is_the_home_directory(string typed, string path) => Assert.Equal(path, HomePath.Expand(typed, "/home/a"));

    [Fact]
    public void Passwd_reads_a_file_named_from_the_home_directory()
    {
        var name = $"sb-passwd-spec-{Guid.NewGuid():N}";
        var path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), name);
        File.WriteAllText(path, "a-new-password\n");
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.IsType<WireCommand>(CommandParser.Parse($"passwd ~/{name}"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
