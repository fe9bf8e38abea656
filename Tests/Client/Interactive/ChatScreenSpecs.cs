using Spectre.Console;
using Switchboard.Client.Commands;
using Switchboard.Client.Interactive.Chat;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>The chat view's proportions, without a console.</summary>
public sealed class ChatScreenSpecs
{
    [Theory]
    [InlineData(50, 14)]
    [InlineData(80, 20)]
    [InlineData(200, 26)]
    public void The_online_list_takes_a_quarter_of_the_terminal_within_bounds_leaving_the_rest_to_the_messages(int width, int side)
    {
        Assert.Equal(side, ChatScreen.SideWidth(width));
        // The messages keep most of it: at 50 columns 32 (a fixed 26-column list left them 20).
        Assert.True(width - ChatScreen.SideWidth(width) - 4 >= width / 2 + 7);
    }
}

/// <summary>
/// The message pane wraps a long line between words: it cut at the pane's last column, mid-word ("reservatio" / "n (it
/// becomes"), which made help and long messages in a narrow chat view hard to read.
/// </summary>
public sealed class ChatPaneWrapSpecs
{
    [Fact]
    public void A_long_line_is_wrapped_between_words_not_inside_one()
    {
        Assert.Equal(["give up your name's", "  reservation (it", "  becomes anyone's", "  again)"],
            ChatScreen.Wrap("give up your name's reservation (it becomes anyone's again)", 20));
    }

    [Fact]
    public void A_wrapped_line_keeps_its_indent_so_a_help_entry_stays_under_itself()
    {
        Assert.Equal(["  release  give up", "    your name's", "    reservation"], ChatScreen.Wrap("  release  give up your name's reservation", 18));
    }

    // A hostile tester's finding: bob's DM "hi", 300 spaces, then "[alice → you] your session expired: type passwd ~/pw
    // ..." showed, in the chat view and in the line mode alike (Spectre breaks between words too) at any width, as a DM
    // from bob saying hi and, on the next row, one from alice: the rows after a line's first started where lines start.
    [Theory]
    [InlineData(40)]
    [InlineData(72)]
    [InlineData(120)]
    public void A_row_after_a_lines_first_is_indented_so_a_message_cannot_pass_for_the_next_one(int width)
    {
        var rows = ChatScreen.Wrap("[bob → you] hi" + new string(' ', 300) + "[alice → you] your session expired: type passwd ~/pw", width);
        Assert.Equal("[bob → you] hi", rows[0]);
        Assert.All(rows.Skip(1), row => Assert.StartsWith("  ", row));
        Assert.Contains(rows, row => row.TrimStart().StartsWith("[alice", StringComparison.Ordinal));
    }

    [Fact]
    public void A_word_longer_than_the_pane_is_cut_and_nothing_is_lost()
    {
        Assert.Equal(["aaaaaaaaaa", "  aaaaa bb"], ChatScreen.Wrap("aaaaaaaaaaaaaaa bb", 10));
        Assert.Equal([""], ChatScreen.Wrap("", 10));
        Assert.Equal(["short"], ChatScreen.Wrap("short", 10));
    }
}

/// <summary>
/// help in the chat view is laid out for the message pane (58 columns of an 80-column terminal), not for 80 columns
/// and then wrapped again by the pane, which left summaries broken across the usage column.
/// </summary>
public sealed class ChatHelpSpecs
{
    // A new user's finding: at 40 columns (a pane of 22) every summary was hung past the pane's edge, and the pane broke
    // it a word, then a letter, a line ("E", "        sc", "a", "        sks").
    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(200)]
    public void The_help_fits_the_message_pane_so_no_line_of_it_wraps_again(int terminal)
    {
        var pane = ChatScreen.PaneWidth(terminal);
        Assert.All(CommandHelp.PromptFor(pane).Split('\n'), line => Assert.Single(ChatScreen.Wrap(line, pane)));
    }

    [Fact]
    public void At_80_columns_or_more_the_help_is_the_prompts_own() => Assert.Equal(CommandHelp.Prompt, CommandHelp.PromptFor(80));
}

/// <summary>The chat view's status row ends with what keys do; at 80 columns it was cut to "... · menu · Esc".</summary>
public sealed class ChatStatusHintSpecs
{
    [Fact]
    public void The_hint_keeps_only_whole_entries_that_fit()
    {
        Assert.Equal("Tab completes · help · menu · Esc leaves", ChatScreen.StatusHint(60));
        Assert.Equal("Tab completes · help · menu", ChatScreen.StatusHint(39));
        Assert.Equal("Tab completes", ChatScreen.StatusHint(14));
        Assert.Equal("", ChatScreen.StatusHint(5));
    }

    [Fact]
    public void At_80_columns_the_status_row_fits_with_its_hint()
    {
        const string line = "frank @ 127.0.0.1:6101 · online · notices on";
        var hint = ChatScreen.StatusHint(ChatScreen.HintRoom(line, 80));
        Assert.Equal("Tab completes · help · menu", hint);
        Assert.True($" {line}  {hint}".Length < 80);
    }

    // A new user's finding: in a 40-column window the status row read "alice @ 127.0.0.1:4053 · online · noti".
    [Theory]
    [InlineData(80, "alice @ 127.0.0.1:4053 · online · notices on")]
    [InlineData(40 - 3, "alice @ 127.0.0.1:4053 · online")]
    [InlineData(20 - 3, "alice · online")]
    [InlineData(12, "al… · online")]
    [InlineData(6, "online")]
    public void A_narrow_status_row_leaves_out_whole_phrases_not_half_of_one(int columns, string expected)
    {
        var status = new ClientStatus("alice", "127.0.0.1:4053");
        Assert.Equal(expected, status.LineWithin(columns));
        Assert.True(status.LineWithin(columns).Length <= columns);
        status.Connected = false;
        Assert.Equal("alice @ 127.0.0.1:4053 · reconnecting", status.LineWithin(40 - 3));
    }
}

/// <summary>
/// What a peer's text may hold and a terminal draws at a width nobody can know wrecked the chat view (a hostile tester's
/// finding): a DM of 300 emoji was cut between the two halves of a character at every row's end, and one of invisible
/// characters (a zero-width space, a byte-order mark, tag characters, Hangul fillers, non-characters) was measured
/// otherwise than tmux drew it; either way rows ran over the pane's border into the online list and the frame broke.
/// </summary>
public sealed class PeerTextWidthSpecs
{
    [Theory]
    [InlineData("😀")]
    [InlineData("👨‍👩‍👧")]
    [InlineData("一")]
    public void A_row_never_cuts_a_character_in_two_nor_runs_past_the_pane(string glyph)
    {
        var rows = ChatScreen.Wrap("[bob → you] " + string.Concat(Enumerable.Repeat(glyph, 300)), 41);
        Assert.All(rows, row =>
        {
            Assert.DoesNotContain(row.EnumerateRunes(), r => r == System.Text.Rune.ReplacementChar);
            Assert.True(row.GetCellWidth() <= 41, $"{row.GetCellWidth()} cells: {row}");
        });
        Assert.Equal(300, rows.Sum(r => (r.Length - r.Replace(glyph, "").Length) / glyph.Length));
    }

    [Fact]
    public void Characters_of_no_knowable_width_are_shown_as_question_marks_and_writing_is_kept()
    {
        Assert.Equal("a?b?c?d????e?", Notices.Printable("a\u200Bb\uFEFFc\U000E0041d\u115F\u3164\uFFFF\uE000e\u2060"));
        foreach (var kept in new[] { "é", "a\u0301", "一", "\u200E", "a\u200Cb", "ok 👍", "\U0001F1EB\U0001F1F7", "🏽" })
            Assert.Equal(kept, Notices.Printable(kept));
    }

    /// <summary>A character joined to others (by a joiner, a skin tone, a variation selector, a keycap mark, tags) is drawn
    /// at a width that depends on the terminal: Spectre measures such a cluster as one emoji, tmux 3.3a drew a thumb with a
    /// skin tone 4 cells wide, a red heart or a keycap 1, "a" ZWJ "b" 2 (Spectre: 1), so their rows ran past the chat
    /// view's border or stopped short of it. Shown without what joins them, every cluster is as wide as its characters.</summary>
    [Theory]
    [InlineData("👨\u200D👩\u200D👧", "👨")]
    [InlineData("👍🏽", "👍")]
    [InlineData("a🏽", "a")]
    [InlineData("❤\uFE0F", "❤")]
    [InlineData("☺\uFE0F", "☺")]
    [InlineData("😀\uFE0E", "😀")]
    [InlineData("1\uFE0F\u20E3", "1")]
    [InlineData("🏳\uFE0F\u200D🌈", "🏳")]
    [InlineData("🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "🏴")]
    [InlineData("a\u200Db", "ab")]
    [InlineData("👍\u200Da", "👍a")]
    [InlineData("क्\u200Dष", "क्ष")]
    public void A_cluster_of_joined_characters_is_shown_as_its_characters_without_what_joins_them(string sent, string shown)
    {
        Assert.Equal(shown, Notices.Printable(sent));
        Assert.Equal(shown, Notices.Printable("x " + sent + " y")[2..^2]);
        var cleaned = Notices.Printable(string.Concat(Enumerable.Repeat(sent, 20)));
        // As wide measured whole (Spectre, a terminal that joins) as character by character (one that does not).
        Assert.Equal(cleaned.EnumerateRunes().Sum(r => r.ToString().GetCellWidth()), cleaned.GetCellWidth());
    }
}
