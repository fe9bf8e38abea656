using System.Text.Json;

namespace Switchboard.Tests.Client.Scripted;

/// <summary>The scripted client's lines for what issue 21 added: unread counts in <c>who</c> and <c>rooms</c>, and the
/// catch-up after a reconnect (missed messages, trimmed counts, the summary), JSON and plain, through the console's
/// events as the client actor reports them.</summary>
public sealed class OutputSpecs
{
    private readonly StringWriter _json = new(), _plain = new();

    private string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private void Both(Action<Output> write)
    {
        write(new Output(_json, json: true));
        write(new Output(_plain, json: false));
    }

    [Fact]
    public void Who_and_rooms_carry_unread_only_where_there_is_a_count()
    {
        var who = new WhoReply(1, 200, 2, 9, [new("bob", "n:1", 0, 3), new("carol", "n:1", 0, null), new("dave", "n:1", 0, 0)], null);
        var rooms = new RoomsReply(2, 200, 3, 10, [new("#games", 2, 5, 4), new("#quiet", 1, 0)], null);
        Both(o =>
        {
            o.Reply("who", who);
            o.Reply("rooms", rooms);
        });
        var json = Lines(_json).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([3L, null, 0L], json[0].GetProperty("result").EnumerateArray().Select(e => e.TryGetProperty("unread", out var u) ? u.GetInt64() : (long?)null));
        Assert.Equal([4L, null], json[1].GetProperty("result").EnumerateArray().Select(e => e.TryGetProperty("unread", out var u) ? u.GetInt64() : (long?)null));
        // Plain: a count worth reading (none for 0 or unknown).
        Assert.Equal(["who: bob@n:1 (3 unread), carol@n:1, dave@n:1 [clientSeq 2, serverSeq 9]",
            "rooms: #games (2 here, 5 recent, 4 unread), #quiet (1 here, 0 recent) [clientSeq 3, serverSeq 10]"], Lines(_plain));
    }

    // A new user saw "* 0 message(s) arrived while you were away; unread: ..." at every login once markers existed.
    [Fact]
    public void A_login_with_nothing_new_but_unread_counts_says_only_the_counts_in_plain()
    {
        Both(o =>
        {
            o.Pushed(new AwayNotice(0, [new UnreadEntry("#games", 3), new UnreadEntry("bob", 1)], 0));
            o.Pushed(new AwayNotice(2, [new UnreadEntry("bob", 2)], 0));
        });
        Assert.Equal(["* unread: #games 3, bob 1", "* 2 message(s) arrived while you were away; unread: bob 2"], Lines(_plain));
        Assert.Equal(0, JsonDocument.Parse(Lines(_json)[0]).RootElement.GetProperty("arrived").GetInt32());
    }

    // The store did not answer at login (AwayRetrySpecs): said in words, once.
    [Fact]
    public void What_arrived_while_away_that_could_not_be_fetched_is_said_in_words()
    {
        Both(o => o.Pushed(new AwayNotice(0, [], Unfetched: true)));
        Assert.Equal(["* messages kept while you were away could not be fetched now (the history store did not answer); they will come at your next login"], Lines(_plain));
        Assert.True(JsonDocument.Parse(Lines(_json)[0]).RootElement.GetProperty("unfetched").GetBoolean());
    }

    // The line contract: one answer line per command, a history's messages included (scripts count lines).
    [Fact]
    public void A_plain_history_answer_is_one_line_with_its_numbers_before_the_messages()
    {
        var page = new HistoryReply(4, 200, 4, 58, "bob", [new ChatLine(1, "bob", "one", 0), new ChatLine(2, "alice", "two | three", 0)], 0, 2, null);
        new Output(_plain, json: false).Reply("history", page);
        var line = Assert.Single(Lines(_plain));
        Assert.StartsWith("history: 2 message(s) of bob [clientSeq 4, serverSeq 58]: #1 ", line);
        Assert.EndsWith(" alice: two | three", line);
        new Output(_plain, json: false).Reply("history", page with { Messages = [] });
        Assert.Equal("history: 0 message(s) of bob [clientSeq 4, serverSeq 58]", Lines(_plain)[1]);
    }

    // A new user's finding: "2 older ones trimmed" where nothing was (they were from before the reader's reservation),
    // and a page of the newest 20 of 35 that did not say there were older ones; a retest's: paging forward needs its
    // command too.
    [Fact]
    public void A_history_page_says_what_it_leaves_out_and_how_to_read_on()
    {
        HistoryReply Page(string conversation, long trimmed, long first, long last, long lastId) =>
            new(1, 200, 1, 1, conversation, [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => new ChatLine(i, "bob", "x", 0))], trimmed, lastId, null);
        Assert.Equal(" (older: history #lobby before 16)", Output.HistoryNotes(Page("#lobby", 0, 16, 35, 35)));
        Assert.Equal(" (ids up to 28 were trimmed; older: history #lobby before 31)", Output.HistoryNotes(Page("#lobby", 28, 31, 35, 35)));
        Assert.Equal(" (ids up to 2 are not readable: trimmed, or from before your reservation)", Output.HistoryNotes(Page("bob", 2, 3, 8, 8)));
        Assert.Equal(" (newer: history bob after 5; the newest is 9)", Output.HistoryNotes(Page("bob", 0, 1, 5, 9)));
        Assert.Equal(" (ids up to 28 were trimmed; older: history #lobby before 31; newer: history #lobby after 35; the newest is 60)",
            Output.HistoryNotes(Page("#lobby", 28, 31, 35, 60)));
        Assert.Equal("", Output.HistoryNotes(Page("bob", 0, 1, 5, 5)));
    }

    // Times are for scripts to compare and parse: one width, milliseconds always (a time on a whole second too).
    [Fact]
    public void Times_are_written_with_milliseconds_always_in_utc()
    {
        var who = new WhoReply(1, 200, 2, 9, [new("bob", "n:1", 1_764_800_000_000, null), new("carol", "n:1", 1_764_800_000_120, null)], null);
        new Output(_json, json: true).Reply("who", who);
        var since = JsonDocument.Parse(Lines(_json)[0]).RootElement.GetProperty("result").EnumerateArray().Select(e => e.GetProperty("since").GetString()!).ToArray();
        Assert.Equal(["2025-12-03T22:13:20.000+00:00", "2025-12-03T22:13:20.120+00:00"], since);
    }

    // A new user's finding: markread needs an id, and the interactive client showed none.
    [Fact]
    public void The_interactive_client_shows_a_kept_messages_id_and_nothing_for_an_unkept_one()
    {
        var notices = new Notices();
        var events = new ConsoleEvents("alice", () => null, () => null, new Output(_plain, json: false), notices);
        events.Pushed(new Incoming("bob", "kept", false, "#lobby", false, 12, 1000));
        events.Pushed(new Incoming("bob", "not kept", true, null, false));
        events.Missed(new Incoming("bob", "while away", true, null, false, 3, 2000));
        var lines = new List<string>();
        while (notices.TryTake(out var line)) lines.Add(line);
        Assert.Equal(["[bob → #lobby] kept  (#12)", "[bob → you] not kept", "(missed) [bob → you] while away  (#3)"], lines);
    }

    [Fact]
    public void A_catch_up_shows_missed_messages_marked_the_trimmed_count_and_a_summary_and_hides_what_was_seen()
    {
        var seen = new SeenMessages("alice");
        var json = new ConsoleEvents("alice", () => null, () => null, new Output(_json, json: true), null, seen);
        var plain = new ConsoleEvents("alice", () => null, () => null, new Output(_plain, json: false), null);
        foreach (var events in new[] { json, plain })
        {
            events.Pushed(new Incoming("bob", "before", true, null, false, 1, 1000));
            // The JSON client reconnects (its catch-up's requests are CatchUpSpecs' business); the plain one tracks nothing.
            if (events == json) Assert.Equal(new CatchUpPoint("bob", 0, 1), seen.BeginCatchUp().Points.Single());
            events.Pushed(new Incoming("bob", "before", true, null, false, 1, 1000, Offline: true)); // given again at login
            events.Missed(new Incoming("bob", "while away", true, null, false, 2, 2000));
            events.Trimmed("#games", 2);
            events.CaughtUp(new CatchUpSummary(3, 2, ["#games"], [("#chess", 503, "history store unavailable")]));
        }

        var lines = Lines(_json).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        // The DM given again at login was seen before the drop: hidden.
        Assert.Equal(["message", "message", "trimmed", "caught-up"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Equal((2L, "while away", true, true), (lines[1].GetProperty("id").GetInt64(), lines[1].GetProperty("text").GetString(),
            lines[1].GetProperty("direct").GetBoolean(), lines[1].GetProperty("missed").GetBoolean()));
        Assert.Equal(("#games", 2L), (lines[2].GetProperty("conversation").GetString(), lines[2].GetProperty("count").GetInt64()));
        Assert.Equal("""{"event":"caught-up","missed":3,"trimmed":2,"rooms":["#games"],"failed":[{"conversation":"#chess","code":503,"error":"history store unavailable"}]}""",
            Lines(_json)[3]);
        // Plain, without a catch-up begun: the second copy shows as the offline message it is.
        Assert.Equal(["[bob → you] before", "(while you were away) [bob → you] before", "(missed) [bob → you] while away",
            "* #games: 2 message(s) were trimmed; you missed them",
            "* caught up: 3 missed message(s), 2 trimmed before you could read them; back in #games; #chess: error 503 history store unavailable"],
            Lines(_plain));
    }

    [Fact]
    public void A_429_that_says_when_to_come_back_carries_it_in_json_and_plain_and_stays_one_object()
    {
        var refused = new Reply(1, Codes.RateLimited, 7, 9, OpValue.None, "rate limit exceeded (0/s)", RetryAfterMs: 1_000_000);
        var other = new Reply(2, Codes.RateLimited, 8, 10, OpValue.None, "bob is not keeping up; message dropped");
        Both(o =>
        {
            o.Reply("calc", refused);
            o.Reply("tell", other);
        });
        var json = Lines(_json).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal((429, "rate limit exceeded (0/s)", 1_000_000L),
            (json[0].GetProperty("code").GetInt32(), json[0].GetProperty("error").GetString(), json[0].GetProperty("retryAfterMs").GetInt64()));
        Assert.False(json[1].TryGetProperty("retryAfterMs", out _));
        Assert.Equal(["calc: error 429 rate limit exceeded (0/s); slow down, retry in 1000000 ms [clientSeq 7, serverSeq 9]",
            "tell: error 429 bob is not keeping up; message dropped [clientSeq 8, serverSeq 10]"], Lines(_plain));
    }

    /// <summary>The scripted client's plain lines printed what the server sent as it was: a refusal at registration, an
    /// error, a message (the server refuses control characters; a misbehaving one, or a man in the middle without TLS,
    /// could drive the terminal the lines are read on, or break the one line an answer is). JSON escapes them.</summary>
    [Fact]
    public void A_plain_line_carries_no_control_character_of_the_server_and_json_keeps_the_text_as_sent()
    {
        const string Esc = "\u001b[2J\n\u0085[alice → you] forged\u0007";
        Both(o =>
        {
            o.Rejected(Codes.NameTaken, "taken" + Esc);
            o.Pushed(new Incoming("bob" + Esc, "hi" + Esc, true, null, false));
            o.Reply("tell", new Reply(1, Codes.Invalid, 2, 2, OpValue.None, "bad" + Esc));
        });
        Assert.Equal(["registration failed: 409 taken?[2J??[alice → you] forged?",
            "[bob?[2J??[alice → you] forged? → you] hi?[2J??[alice → you] forged?",
            "tell: error 422 bad?[2J??[alice → you] forged? [clientSeq 2, serverSeq 2]"], Lines(_plain));
        var json = Lines(_json).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal("taken" + Esc, json[0].GetProperty("error").GetString());
        Assert.Equal("hi" + Esc, json[1].GetProperty("text").GetString());
    }
}
