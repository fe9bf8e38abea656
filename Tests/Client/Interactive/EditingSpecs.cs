namespace Switchboard.Tests.Client.Interactive;

/// <summary>The editing keys, completion, history and the main prompt's parsing, without a console.</summary>
public sealed class EditingSpecs
{
    private static EditBuffer Typed(string text, int cursorFromEnd = 0)
    {
        var b = new EditBuffer();
        b.Insert(text);
        for (var i = 0; i < cursorFromEnd; i++) b.Left();
        return b;
    }

    [Fact]
    public void Typing_inserts_at_the_cursor_and_the_cursor_keys_move_it()
    {
        var b = Typed("tell bob hi", cursorFromEnd: 2);
        b.Insert("oh ");
        Assert.Equal(("tell bob oh hi", 12), (b.Text, b.Cursor));
        b.Home();
        b.Right();
        b.Insert('X');
        Assert.Equal("tXell bob oh hi", b.Text);
        b.End();
        b.Right(); // already at the end: stays
        Assert.Equal(b.Length, b.Cursor);
    }

    [Fact]
    public void Backspace_and_delete_remove_around_the_cursor_and_do_nothing_at_the_edges()
    {
        var b = Typed("abc", cursorFromEnd: 1);
        b.Backspace();
        Assert.Equal(("ac", 1), (b.Text, b.Cursor));
        b.Delete();
        Assert.Equal(("a", 1), (b.Text, b.Cursor));
        b.Delete();
        b.Home();
        b.Backspace();
        Assert.Equal(("a", 0), (b.Text, b.Cursor));
    }

    [Fact]
    public void Ctrl_u_k_and_w_cut_before_the_cursor_after_it_and_the_word_before_it()
    {
        var u = Typed("tell bob hi", cursorFromEnd: 2);
        u.KillToStart();
        Assert.Equal(("hi", 0), (u.Text, u.Cursor));
        var k = Typed("tell bob hi", cursorFromEnd: 2);
        k.KillToEnd();
        Assert.Equal(("tell bob ", 9), (k.Text, k.Cursor));
        var w = Typed("tell bob   ");
        w.KillWordBefore();
        Assert.Equal("tell ", w.Text);
    }

    [Fact]
    public void A_character_outside_the_basic_plane_is_one_step_for_the_cursor_and_for_backspace()
    {
        var b = Typed("a😀");
        b.Left();
        Assert.Equal(1, b.Cursor);
        b.End();
        b.Backspace();
        Assert.Equal("a", b.Text);
    }

    [Theory]
    [InlineData(ConsoleKey.A, EditKey.Home)]
    [InlineData(ConsoleKey.E, EditKey.End)]
    [InlineData(ConsoleKey.U, EditKey.KillToStart)]
    [InlineData(ConsoleKey.K, EditKey.KillToEnd)]
    [InlineData(ConsoleKey.W, EditKey.KillWord)]
    [InlineData(ConsoleKey.C, EditKey.Escape)]
    public void The_readline_control_keys_are_bound(ConsoleKey key, EditKey expected) =>
        Assert.Equal(expected, EditKeys.Map(new ConsoleKeyInfo('\0', key, false, false, true), emptyLine: false));

    [Fact]
    public void Ctrl_d_leaves_on_an_empty_line_and_deletes_otherwise()
    {
        var ctrlD = new ConsoleKeyInfo('\u0004', ConsoleKey.D, false, false, true);
        Assert.Equal(EditKey.EndOfInput, EditKeys.Map(ctrlD, emptyLine: true));
        Assert.Equal(EditKey.Delete, EditKeys.Map(ctrlD, emptyLine: false));
    }

    [Fact]
    public void Tab_completes_command_words_then_online_names_after_tell_and_joined_rooms_after_say()
    {
        var c = new Completer(() => ["bob", "bobby", "carol"], () => ["#games"]);
        Assert.Equal(("ll ", 1), Shape(c.Complete("te")));
        Assert.Equal(("sg ", 1), Shape(c.Complete("/m")));
        Assert.Equal(("b", 2), Shape(c.Complete("tell bo"))); // bob and bobby: their common part, both listed
        Assert.Equal(("arol ", 1), Shape(c.Complete("tell c")));
        Assert.Equal(("arol ", 1), Shape(c.Complete("/msg c")));
        Assert.Equal(("games ", 1), Shape(c.Complete("say #")));
        Assert.Equal(("", 0), Shape(c.Complete("say hello b"))); // a broadcast's text is not completed
        Assert.Equal(("", 0), Shape(c.Complete("tell bob hi b")));
        Assert.Equal(("st ", 1), Shape(c.Complete("/li"))); // every IRC spelling completes: /list, /query
        Assert.Equal(("ry ", 1), Shape(c.Complete("/que")));
        Assert.Equal(("arol ", 1), Shape(c.Complete("/query c")));
        Assert.Equal(("ames ", 1), Shape(c.Complete("/part g")));

        static (string, int) Shape((string Insert, IReadOnlyList<string> Candidates) r) => (r.Insert, r.Candidates.Count);
    }

    [Fact]
    public void A_menu_question_completes_its_answer_and_history_completes_rooms_and_people()
    {
        var c = new Completer(() => ["bob", "bobby", "carol"], () => ["#games", "#lobby"]);
        Assert.Equal(("arol ", 1), Shape(c.For(Completes.OnlineNames).Complete("c"))); // "To (name):"
        Assert.Equal(("", 0), Shape(c.For(Completes.OnlineNames).Complete("te"))); // an answer, not a command word
        Assert.Equal(("obby ", 1), Shape(c.For(Completes.JoinedRooms).Complete("l"))); // "Room to leave:", with or without #
        Assert.Equal(("", 2), Shape(c.For(Completes.JoinedRooms).Complete("#"))); // both rooms listed
        Assert.Equal(("arol ", 1), Shape(c.For(Completes.Conversations).Complete("c"))); // "Room (#name) or person:"
        Assert.Equal(("ames ", 1), Shape(c.For(Completes.Conversations).Complete("#g")));
        Assert.Equal(("ames ", 1), Shape(c.Complete("history #g")));
        Assert.Equal(("arol ", 1), Shape(c.Complete("markread c")));

        static (string, int) Shape((string Insert, IReadOnlyList<string> Candidates) r) => (r.Insert, r.Candidates.Count);
    }

    // Tab on an empty answer offered each joined room twice ("#lobby  lobby"), so with one room it completed nothing.
    [Fact]
    public void Tab_on_an_empty_room_answer_offers_each_joined_room_once_and_completes_the_only_one()
    {
        var one = new Completer(() => [], () => ["#lobby"]);
        Assert.Equal(("#lobby ", 1), Shape(one.For(Completes.JoinedRooms).Complete("")));
        Assert.Equal(("#lobby ", 1), Shape(one.Complete("leave ")));
        var two = new Completer(() => [], () => ["#games", "#lobby"]);
        Assert.Equal(["#games", "#lobby"], two.For(Completes.JoinedRooms).Complete("").Candidates);

        static (string, int) Shape((string Insert, IReadOnlyList<string> Candidates) r) => (r.Insert, r.Candidates.Count);
    }

    [Fact]
    public void History_goes_back_and_forth_and_returns_to_what_was_being_typed()
    {
        var h = new History();
        h.Add("one");
        h.Add("two");
        h.Add("two"); // a repeat is kept once
        h.Add("   ");
        Assert.Equal("two", h.Previous("draft"));
        Assert.Equal("one", h.Previous("two"));
        Assert.Null(h.Previous("one"));
        Assert.Equal("two", h.Next());
        Assert.Equal("draft", h.Next());
        Assert.Null(h.Next());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_history_file_is_private_bounded_and_free_of_control_characters()
    {
        var dir = Directory.CreateTempSubdirectory("sbtest-history-").FullName;
        try
        {
            var file = Path.Combine(dir, "switchboard", "history");
            var h = new History(file);
            for (var i = 0; i < History.Max + 20; i++) h.Add($"calc {i} + 1");
            h.Add("say \u001b[2Jgotcha");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var again = new History(file);
            Assert.Equal(History.Max, again.Lines.Count);
            Assert.Equal("say [2Jgotcha", again.Lines[^1]);
            Assert.Equal("calc 21 + 1", again.Lines[0]);

            // A file someone else wrote is input too: control characters never come back out of it.
            File.WriteAllLines(file, ["tell bob \u0007\u001b]0;owned\u0007hi"]);
            Assert.Equal(["tell bob ]0;ownedhi"], new History(file).Lines);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Two clients at once (one person's two terminals) share the file: each adds its lines to what is there now, as a
    // shell's history does, instead of writing back only what it loaded and typed itself.
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Two_clients_at_once_both_keep_their_lines_in_the_history_file()
    {
        var dir = Directory.CreateTempSubdirectory("sbtest-history-").FullName;
        try
        {
            var file = Path.Combine(dir, "switchboard", "history");
            var alice = new History(file);
            var bob = new History(file);
            alice.Add("tell bob hi");
            bob.Add("tell alice hello");
            alice.Add("join #games");
            Assert.Equal(["tell bob hi", "tell alice hello", "join #games"], new History(file).Lines);
            // Each recalls what it typed itself.
            Assert.Equal(["tell bob hi", "join #games"], alice.Lines);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("1", "pick 0")]
    [InlineData(" 8 ", "pick 7")]
    [InlineData("9", "error")]
    [InlineData("menu", "menu")]
    [InlineData("?", "menu")]
    [InlineData("help", "help")]
    [InlineData("/help", "help")]
    [InlineData("calc 6 * 7", "calc")]
    [InlineData("tell bob hi", "tell")]
    [InlineData("/msg bob hi", "tell")]
    [InlineData("/part games", "leave")]
    [InlineData("/quit", "exit")]
    [InlineData("say #games gg", "say")]
    [InlineData("dance", "error")]
    [InlineData("presence maybe", "error")]
    public void The_main_prompt_takes_menu_numbers_and_scripted_commands_also_irc_style(string typed, string expected)
    {
        var action = PromptLine.Parse(typed, 8);
        Assert.Equal(expected, action switch
        {
            MenuPick p => $"pick {p.Index}",
            ShowMenu => "menu",
            ShowHelp => "help",
            PromptError => "error",
            RunCommand r => r.Command.Name,
            _ => "nothing",
        });
    }

    [Fact]
    public void An_irc_message_goes_out_as_the_same_tell_as_the_scripted_command()
    {
        var irc = Assert.IsType<WireCommand>(Assert.IsType<RunCommand>(PromptLine.Parse("/msg bob  hi there", 8)).Command);
        Assert.Equal(new Switchboard.Messages.Tell(5, "bob", "hi there"), irc.Make(5));
    }
}

public sealed class NoticesSpecs
{
    [Fact]
    public void A_pushed_line_cannot_carry_terminal_control_sequences()
    {
        var n = new Notices();
        n.Add("[mallory → you] \u001b[2J\u001b]0;owned\u0007 hi \u009b");
        Assert.True(n.TryTake(out var line));
        Assert.Equal("[mallory → you] ?[2J?]0;owned? hi ?", line);
        n.Add("plain é 😀");
        Assert.True(n.TryTake(out var plain));
        Assert.Equal("plain é 😀", plain);
    }
}
