using System.Text.Json;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// The interactive client as a person uses it: the real client under tmux against a real server, keys typed,
/// the screen read back. Bob, the other party, is a scripted client.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(Tiers.Name, Tiers.Process)]
public sealed class InteractiveClientSpecs : IAsyncLifetime
{
    // These specs are about the console, not about failure detection: a generous heartbeat pause keeps a loaded
    // machine from turning a slow heartbeat into a reconnect in the middle of a typed line.
    private readonly string _config = Path.Combine(Path.GetTempPath(), $"sbtest-patient-{Guid.NewGuid():N}.hocon");
    private ServerNode _server = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_config, "akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 120s\n");
        _server = await ServerNode.StartAsync(null, 0, "--config", _config);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_config);
    }

    private TmuxClient Alice(int width = 100, int height = 30, string? stateHome = null, string? term = null, params string[] args) =>
        TmuxClient.Start("alice", _server.Address, ["--config", _config, .. args], width, height, stateHome, term);

    // Alice in the chat view at 80x24, its input row ready.
    private async Task<TmuxClient> ChatViewAt80x24Async()
    {
        var alice = Alice(width: 80, height: 24, args: "--chat");
        try
        {
            await alice.WaitForTextAsync("help lists them all");
            await alice.WaitForAsync(s => s[^1].StartsWith('>'), "the input row");
            return alice;
        }
        catch
        {
            await alice.DisposeAsync();
            throw;
        }
    }

    private Task<ClientSession> BobAsync() => _server.ConnectAsync("bob", "--config", _config);

    private static async Task<string> NextMessageTextAsync(ClientSession c)
    {
        var line = await c.Process.WaitForLineAsync(l => l.StartsWith("{\"event\":\"message\""), TimeSpan.FromSeconds(30));
        return JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!;
    }

    private static Task PromptAsync(TmuxClient c) => c.WaitForTextAsync("· online · notices on] >");

    [Fact]
    public async Task A_direct_message_typed_with_tab_completion_is_recalled_with_up_edited_with_the_cursor_keys_and_sent_again()
    {
        await using var bob = await BobAsync();
        await using var alice = Alice();
        await PromptAsync(alice);

        alice.Type("tell bo");
        alice.Keys("Tab");
        await alice.WaitForInputAsync("tell bob");
        alice.Type("hi");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("to bob = delivered");
        Assert.Equal("hi", await NextMessageTextAsync(bob));

        // Up recalls it; two steps left puts the cursor before "hi"; Home and End move to the ends.
        alice.Keys("Up");
        await alice.WaitForInputAsync("tell bob hi");
        alice.Keys("Left", "Left");
        alice.Type("oh ");
        alice.Keys("Home");
        alice.Keys("Delete", "Delete", "Delete", "Delete");
        alice.Type("tell");
        alice.Keys("End");
        alice.Type("!");
        await alice.WaitForInputAsync("tell bob oh hi!");
        alice.Keys("Enter");
        Assert.Equal("oh hi!", await NextMessageTextAsync(bob));

        // Ctrl-W deletes the word before the cursor, Ctrl-U the line before it, Ctrl-A/Ctrl-E jump, Ctrl-K cuts the rest.
        alice.Type("tell bob one two");
        alice.Keys("C-w");
        await alice.WaitForInputAsync("tell bob one");
        alice.Keys("C-a", "C-k");
        alice.Type("tell bob three");
        alice.Keys("C-a", "Right", "Right", "Right", "Right", "C-u");
        await alice.WaitForInputAsync(" bob three");
        alice.Type("tell");
        alice.Keys("C-e");
        alice.Type(" four");
        alice.Keys("Enter");
        Assert.Equal("three four", await NextMessageTextAsync(bob));
    }

    [Fact]
    public async Task A_message_arriving_while_typing_appears_above_the_prompt_and_the_wrapped_input_is_redrawn_intact()
    {
        await using var bob = await BobAsync();
        await using var alice = Alice(width: 60);
        await PromptAsync(alice);

        // Longer than the 60-column pane: the input wraps onto a second row.
        const string typed = "say this line is longer than one row of the terminal, and it keeps going";
        alice.Type(typed);
        await alice.WaitForInputAsync(typed);

        Assert.Equal(200, (await bob.SendAsync("tell alice ping while you type")).GetProperty("code").GetInt32());
        Assert.Equal(200, (await bob.SendAsync("tell alice and another one")).GetProperty("code").GetInt32());
        var screen = await alice.WaitForTextAsync("[bob → you] and another one", joined: true);
        var message = Array.FindIndex(screen, l => l.Contains("[bob → you] ping while you type"));
        var input = Array.FindIndex(screen, l => l.TrimEnd().EndsWith("> " + typed));
        Assert.True(message >= 0 && input > message, "the message is above the intact input:\n" + string.Join('\n', screen));

        // The cursor is still at the end: what is typed next goes on the line, which is sent whole.
        alice.Type(" to the end");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("broadcast = sent to 1 client(s)");
        Assert.Equal(typed["say ".Length..] + " to the end", await NextMessageTextAsync(bob));
    }

    [Fact]
    public async Task History_is_kept_across_runs_in_a_file_only_its_owner_can_read()
    {
        await using var bob = await BobAsync();
        var state = Directory.CreateTempSubdirectory("sbtest-state-").FullName;
        try
        {
            await using (var first = Alice(stateHome: state))
            {
                await PromptAsync(first);
                first.Type("tell bob remember me");
                first.Keys("Enter");
                await first.WaitForTextAsync("to bob = delivered");
                first.Keys("C-d");
                Assert.Equal(0, await first.WaitForExitAsync());
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.HistoryFile));
                Assert.Equal(["tell bob remember me"], await File.ReadAllLinesAsync(first.HistoryFile));
            }
            await using var second = Alice(stateHome: state);
            await PromptAsync(second);
            second.Keys("Up");
            await second.WaitForInputAsync("tell bob remember me");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    // A new user's finding: after a restart (run.sh stops its server with its client), `history #lobby` was 403 "join
    // #lobby first" until the room was joined again by hand. The next run joins the rooms the last one was in.
    [Fact]
    public async Task The_next_run_is_back_in_the_rooms_the_last_one_was_in()
    {
        var state = Directory.CreateTempSubdirectory("sbtest-state-").FullName;
        try
        {
            await using (var first = Alice(stateHome: state))
            {
                await PromptAsync(first);
                foreach (var command in new[] { "join games", "join #Chess", "join lounge", "leave lounge" })
                {
                    first.Type(command);
                    first.Keys("Enter");
                    await first.WaitForTextAsync(command.StartsWith("join") ? $"{command} = joined" : $"{command} = left", joined: true);
                }
                first.Keys("C-d");
                Assert.Equal(0, await first.WaitForExitAsync());
            }
            var file = Assert.Single(Directory.GetFiles(Path.Combine(state, "switchboard"), "rooms-alice@*"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(["#Chess", "#games"], await File.ReadAllLinesAsync(file));

            await using var second = Alice(stateHome: state);
            await second.WaitForTextAsync("joining the rooms you were in when you last left: #Chess, #games", joined: true);
            await PromptAsync(second);
            second.Type("say #games still here");
            second.Keys("Enter");
            await second.WaitForTextAsync("sent to #games", joined: true);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Tab_completes_commands_online_names_and_joined_rooms()
    {
        await using var bob = await BobAsync();
        await using var alice = Alice();
        await PromptAsync(alice);

        alice.Type("jo");
        alice.Keys("Tab");
        alice.Type("games");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("join games = joined #games");
        alice.Type("say #g");
        alice.Keys("Tab");
        await alice.WaitForInputAsync("say #games");
        alice.Keys("C-u");
        // Several candidates: they are listed above the prompt and the line stays as typed; one more letter decides.
        alice.Type("p");
        alice.Keys("Tab");
        await alice.WaitForTextAsync("passwd  presence  prime");
        alice.Type("ri");
        alice.Keys("Tab");
        await alice.WaitForInputAsync("prime");
    }

    [Fact]
    public async Task Numbers_are_checked_as_typed_and_esc_backs_out_one_level_and_asks_before_leaving()
    {
        await using var alice = Alice();
        await PromptAsync(alice);

        alice.Type("1");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("Which request?");
        alice.Type("3");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("Number:");
        alice.Type("abc");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("'abc' is not a whole number; try again");
        alice.Type("99999999999999999999");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("is out of range");
        // Esc at the number goes back to the list of requests, Esc there to the main prompt.
        alice.Keys("Escape");
        await alice.WaitForAsync(s => s.Count(l => l.Contains("Which request?")) == 2, "the list of requests again");
        alice.Keys("Escape");
        await alice.WaitForAsync(s => TmuxClient.LastLine(s).EndsWith("notices on] >") && s.Count(l => l.Contains("Which request?")) == 2, "the main prompt at the bottom");
        alice.Keys("Escape");
        await alice.WaitForTextAsync("Leave Switchboard (you go offline)? [y/N]");
        alice.Type("n");
        alice.Keys("Enter");
        await alice.WaitForAsync(s => TmuxClient.LastLine(s).EndsWith("notices on] >") && s.Any(l => l.EndsWith("[y/N] n")), "the prompt after saying no");
        alice.Keys("C-d");
        Assert.Equal(0, await alice.WaitForExitAsync());
    }

    [Fact]
    public async Task The_seed_menu_works_in_the_seed_order_next_to_commands_at_the_prompt()
    {
        await using var alice = Alice();
        var screen = await alice.WaitForTextAsync("8. Presence notices on/off");
        var order = new[] { "1. Send request", "2. Unregister", "3. Exit", "4. Who is online", "5. Direct message" }
            .Select(e => Array.FindIndex(screen, l => l.Contains(e))).ToArray();
        Assert.All(order, i => Assert.True(i >= 0));
        Assert.Equal(order.Order(), order);

        // 1 → Arithmetic → 6 * 7, as in the seed.
        foreach (var answer in new[] { "1", "1", "6", "3", "7" })
        {
            alice.Type(answer);
            alice.Keys("Enter");
        }
        await alice.WaitForTextAsync("6 * 7 = 42");
        alice.Type("/msg nobody hi");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("to nobody: 404");
        alice.Type("calc 2 + 3");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("2 + 3 = 5");
        // The menu is not printed again after an action, only when asked.
        Assert.Single(alice.Scrollback(), l => l.Contains("1. Send request"));
        alice.Type("2");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("Unregistered [clientSeq");
        Assert.Equal(0, await alice.WaitForExitAsync());
    }

    // A tester's finding: the chat view drew the menu first and the login's notices ("joining the rooms ...") under it,
    // where the line mode has them above it.
    [Fact]
    public async Task The_chat_view_shows_the_rooms_joined_again_above_the_menu_as_the_line_mode_does()
    {
        var state = Directory.CreateTempSubdirectory("sbtest-state-").FullName;
        try
        {
            var rooms = Path.Combine(state, "switchboard", $"rooms-alice@127.0.0.1-{_server.Port}");
            Directory.CreateDirectory(Path.GetDirectoryName(rooms)!);
            await File.WriteAllLinesAsync(rooms, ["#games"]);
            File.SetUnixFileMode(rooms, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using var alice = Alice(width: 110, height: 30, stateHome: state, args: "--chat");
            var screen = await alice.WaitForTextAsync("help lists them all");
            var joining = Array.FindIndex(screen, l => l.Contains("joining the rooms you were in when you last left: #games"));
            var menu = Array.FindIndex(screen, l => l.Contains("What would you like to do?"));
            Assert.True(joining >= 0 && joining < menu, string.Join('\n', screen));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    // A new user's finding: in the chat view a sub-menu (7, Rooms) ended with the main menu's hint, "Type a number or a
    // command (...); help lists them all", and its prompt then refused a command ("please type a number from 1 to 5").
    [Fact]
    public async Task The_chat_views_sub_menu_ends_with_its_choices_not_the_main_menus_hint_to_type_a_command()
    {
        await using var alice = await ChatViewAt80x24Async();
        alice.Type("7");
        alice.Keys("Enter");
        var screen = await alice.WaitForTextAsync("choose 1-5 (Esc: back)>");
        var back = Array.FindLastIndex(screen, l => l.Contains("5. Back"));
        Assert.True(back >= 0, string.Join('\n', screen));
        Assert.DoesNotContain(screen[(back + 1)..], l => l.Contains("Type a number or a command") || l.Contains("help lists them all"));
        alice.Keys("Escape");
        await alice.WaitForAsync(s => s[^1].StartsWith('>'), "the main prompt again");
        alice.Type("exit");
        alice.Keys("Enter");
        Assert.Equal(0, await alice.WaitForExitAsync());
    }

    // A new user's finding: at 80x24 the chat view's pane has 20 rows and `help` some 45 lines, so its start (calc,
    // tell, say, join ...) was scrolled off the alternate screen, which has no scrollback: nothing brought it back.
    [Fact]
    public async Task Page_up_in_the_chat_view_scrolls_the_pane_back_to_what_scrolled_off_and_page_down_returns()
    {
        await using var alice = await ChatViewAt80x24Async();
        alice.Type("help");
        alice.Keys("Enter");
        // help's last line, in the pane (the status line says "Tab completes" too).
        var screen = await alice.WaitForAsync(s => s.Any(l => l.Contains("Tab completes") && l.Contains('│')), "help's end");
        Assert.DoesNotContain(screen, l => l.Contains("calc A OP B"));

        // A page at a time (a pane's rows less one) back to help's first commands.
        alice.Keys("PPage");
        await alice.WaitForTextAsync("messages · scrolled back: PgDn");
        for (var page = 0; page < 5 && !alice.Screen().Any(l => l.Contains("calc A OP B")); page++)
        {
            var before = string.Join('\n', alice.Screen());
            alice.Keys("PPage");
            await alice.WaitForAsync(s => string.Join('\n', s) != before, "the pane a page further back");
        }
        await alice.WaitForTextAsync("calc A OP B");
        alice.Keys("PPage", "PPage", "PPage", "PPage", "PPage");
        await alice.WaitForTextAsync("What would you like to do?");
        alice.Keys("NPage", "NPage", "NPage", "NPage", "NPage", "NPage", "NPage");
        await alice.WaitForAsync(s => s.Any(l => l.Contains("Tab completes") && l.Contains('│')), "the pane's end again");

        // A command entered while scrolled back shows its answer.
        alice.Keys("PPage");
        alice.Type("calc 6 * 7");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("6 * 7 = 42");
        alice.Type("exit");
        alice.Keys("Enter");
        Assert.Equal(0, await alice.WaitForExitAsync());
    }

    [Fact]
    public async Task The_chat_view_shows_the_messages_the_online_list_the_rooms_and_the_status()
    {
        await using var bob = await BobAsync();
        await using var alice = Alice(width: 110, height: 24, args: "--chat");
        await alice.WaitForTextAsync("alice @ 127.0.0.1");
        await alice.WaitForTextAsync("bob");

        alice.Type("join games");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("join games = joined #games");
        Assert.Equal(200, (await bob.SendAsync("join games")).GetProperty("code").GetInt32());
        Assert.Equal(200, (await bob.SendAsync("say #games good game")).GetProperty("code").GetInt32());
        var screen = await alice.WaitForTextAsync("[bob → #games] good game");
        Assert.Contains(screen, l => l.Contains("2 online"));
        Assert.Contains(screen, l => l.Contains("│ #games"));
        Assert.Contains(screen, l => l.Contains("alice @ 127.0.0.1:" + _server.Port + " · online · notices on"));

        alice.Type("presence off");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("· online · notices off");
        // The input row is the last one, and what is typed there is drawn as it is typed.
        alice.Type("tell bob typing here");
        await alice.WaitForAsync(s => s[^1].StartsWith("> tell bob typing here"), "the input on the last row");
        alice.Keys("C-u", "Escape");
        await alice.WaitForTextAsync("Leave Switchboard (you go offline)? [y/N]");
        alice.Type("y");
        alice.Keys("Enter");
        Assert.Equal(0, await alice.WaitForExitAsync());
    }

    [Fact]
    public async Task A_dumb_terminal_keeps_plain_lines_and_commands_at_the_prompt()
    {
        await using var alice = Alice(term: "dumb");
        await alice.WaitForTextAsync("  1. Send request");
        await alice.WaitForTextAsync("notices on] >");
        alice.Type("calc 6 * 7");
        alice.Keys("Enter");
        await alice.WaitForTextAsync("6 * 7 = 42");
        alice.Type("exit");
        alice.Keys("Enter");
        Assert.Equal(0, await alice.WaitForExitAsync());
    }
}
