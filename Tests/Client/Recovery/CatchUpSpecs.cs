namespace Switchboard.Tests.Client.Recovery;

/// <summary>
/// Catching up after a reconnect (issue 21), the client's side without a server: <see cref="SeenMessages"/> fed the
/// pushes a client would get and <see cref="CatchUp"/> the replies a server would give, the screen recorded as lines.
/// alice reconnects; bob and carol write.
/// </summary>
public sealed class CatchUpSpecs : ICatchUpView
{
    private readonly SeenMessages _seen = new("alice");
    private readonly List<string> _screen = [];
    private readonly List<ISwitchboardMessage> _sent = [];
    private CatchUpSummary? _summary;

    // What the client shows of a push, as ConsoleEvents does.
    private void Push(Incoming m)
    {
        switch (_seen.Pushed(m))
        {
            case Showing.AsIs: _screen.Add($"{(m.Replay ? "replay" : m.Offline ? "offline" : "live")} {m.MsgId}"); break;
            case Showing.Missed: Missed(m); break;
        }
    }

    private static Incoming Room(long id, string from = "bob", bool replay = false, string room = "#games") =>
        new(from, $"text {id}", false, room, replay, id, 1000 + id);

    private static Incoming Dm(long id, string from = "bob", bool offline = false) => new(from, $"text {id}", true, null, false, id, 1000 + id, offline);

    private static ChatLine Line(long id, string from = "bob") => new(id, from, $"text {id}", 1000 + id);

    private static HistoryReply Page(string conversation, long trimmed, long lastId, params ChatLine[] lines) =>
        new(0, Codes.Ok, 2, 2, conversation, lines, trimmed, lastId, null);

    private static Reply Ok(string text) => new(0, Codes.Ok, 2, 2, OpValue.Of(text), null);

    private void Join(string room)
    {
        var join = new JoinRoom(1, room);
        _seen.Answered(join, Ok($"joined #{room.TrimStart('#')}"));
    }

    private Task CatchUpAsync(Func<ISwitchboardMessage, IReply> server) =>
        new CatchUp(_seen, make =>
        {
            var m = make(_sent.Count + 100);
            _sent.Add(m);
            return Task.FromResult(server(m));
        }, this).RunAsync(_seen.BeginCatchUp());

    void ICatchUpView.Rejoined(string room) => _screen.Add($"rejoined {room}");
    void ICatchUpView.Missed(Incoming message) => Missed(message);
    void ICatchUpView.Trimmed(string conversation, long count) => _screen.Add($"trimmed {conversation} {count}");
    void ICatchUpView.CaughtUp(CatchUpSummary summary) => _summary = summary;

    private void Missed(Incoming message) => _screen.Add($"missed {message.MsgId} {message.From} {(message.Direct ? "direct" : message.Room)}");

    [Fact]
    public async Task A_client_that_tracked_nothing_asks_nothing_after_a_reconnect()
    {
        Push(new Incoming("bob", "hi", true, null, false)); // a guest's DM: no id, nothing to catch up on
        Assert.True(_seen.BeginCatchUp().IsEmpty);
        await CatchUpAsync(_ => throw new InvalidOperationException("asked the server"));
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task A_room_is_joined_again_and_each_missed_message_shows_once_whether_it_came_in_the_replay_live_or_from_history()
    {
        Join("games");
        foreach (var id in new long[] { 1, 2, 4 }) Push(Room(id, replay: id < 4)); // 3 was alice's own: never pushed to her
        _screen.Clear();

        await CatchUpAsync(m =>
        {
            switch (m)
            {
                case JoinRoom:
                    // The replay of the room joined again: what she saw, her own message, and two that came while away.
                    for (var id = 1; id <= 6; id++) Push(Room(id, from: id == 3 ? "alice" : "bob", replay: true));
                    Push(Room(7, from: "carol")); // live, while the catch-up runs
                    return Ok("joined #games");
                case HistoryQuery { Conversation: "#games", Anchor: HistoryAnchor.After, At: 0 }:
                    // 8 was written after the replay was taken; its live copy comes later.
                    return Page("#games", 0, 8, [.. Enumerable.Range(1, 8).Select(i => Line(i, i == 3 ? "alice" : i == 7 ? "carol" : "bob"))]);
                default:
                    throw new InvalidOperationException($"unexpected {m}");
            }
        });
        Push(Room(8)); // the late live copy of what the catch-up showed
        Push(Room(9)); // and the conversation goes on

        Assert.Equal(["missed 5 bob #games", "missed 6 bob #games", "live 7", "rejoined #games", "missed 8 bob #games", "live 9"], _screen);
        Assert.Equal((3L, 0L), (_summary!.Missed, _summary.Trimmed)); // 5 and 6 from the replay, 8 from history
        Assert.Equal(["#games"], _summary.Rooms);
        Assert.Empty(_summary.Failed);
    }

    [Fact]
    public async Task A_reserved_names_direct_messages_are_asked_after_the_last_one_seen_less_what_came_offline_and_her_own()
    {
        Push(Dm(1));
        Push(Dm(2));
        _screen.Clear();
        var plan = _seen.BeginCatchUp();
        Assert.Equal([new CatchUpPoint("bob", 0, 2)], plan.Points);
        // At login the session pushes what was held for her while she was offline.
        Push(Dm(4, offline: true));
        await new CatchUp(_seen, make =>
        {
            var m = make(1);
            _sent.Add(m);
            return Task.FromResult<IReply>(Page("bob", 0, 5, Line(1), Line(2), Line(3, "alice"), Line(4), Line(5)));
        }, this).RunAsync(plan);

        Assert.Equal(["offline 4", "missed 5 bob direct"], _screen);
        Assert.Equal(1, _summary!.Missed);
        Assert.Equal(HistoryAnchor.After, Assert.IsType<HistoryQuery>(Assert.Single(_sent)).Anchor);
    }

    // After a server restart nothing is in its memory, and every conversation asked for is read back from its store:
    // the clients of one host (every local one) may have so many read back a second, and past that a query is answered
    // 429 with a retry-after (history.read-backs-per-host-*; hostile tester hA). A catch-up waits what it is told and
    // asks again, a few times: a busy host's clients reconnecting at once still catch up, later.
    [Fact]
    public async Task A_query_refused_for_a_while_is_asked_again_after_the_wait_the_server_named()
    {
        Push(Dm(1));
        _screen.Clear();
        var waits = new List<TimeSpan>();
        var refusals = 2;
        await new CatchUp(_seen, make =>
        {
            var m = make(_sent.Count + 100);
            _sent.Add(m);
            return Task.FromResult<IReply>(refusals-- > 0
                ? new Reply(0, Codes.RateLimited, 2, 2, OpValue.None, "too many conversations read back from the history store for your host", RetryAfterMs: 250)
                : Page("bob", 0, 2, Line(1), Line(2)));
        }, this, delay: wait =>
        {
            waits.Add(wait);
            return Task.CompletedTask;
        }).RunAsync(_seen.BeginCatchUp());

        Assert.Equal(["missed 2 bob direct"], _screen);
        Assert.Empty(_summary!.Failed);
        Assert.Equal([TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250)], waits);
        Assert.Equal(3, _sent.Count);
    }

    // Not for ever: past a few refusals the conversation is reported as not caught up, with the server's answer.
    [Fact]
    public async Task A_query_refused_again_and_again_is_reported_not_caught_up()
    {
        Push(Dm(1));
        _screen.Clear();
        await new CatchUp(_seen, make =>
        {
            _sent.Add(make(_sent.Count + 100));
            return Task.FromResult<IReply>(new Reply(0, Codes.RateLimited, 2, 2, OpValue.None, "busy", RetryAfterMs: 250));
        }, this, delay: _ => Task.CompletedTask).RunAsync(_seen.BeginCatchUp());

        Assert.Equal(("bob", Codes.RateLimited), (Assert.Single(_summary!.Failed).Conversation, _summary.Failed[0].Code));
        Assert.Equal(1 + CatchUp.MaxRetries, _sent.Count);
    }

    // A hostile or broken server's retry-after past what a TimeSpan holds (the wire's int64): it is a wait past the bound,
    // not a crash of the catch-up (it ran unobserved: no summary, the rest never asked; hostile tester hC).
    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MaxValue / 10_000 + 1)]
    public async Task A_retry_after_past_any_wait_is_the_answer_not_a_crash(long retryAfterMs)
    {
        Push(Dm(1));
        _screen.Clear();
        var waits = new List<TimeSpan>();
        await new CatchUp(_seen, make =>
        {
            _sent.Add(make(_sent.Count + 100));
            return Task.FromResult<IReply>(new Reply(0, Codes.RateLimited, 2, 2, OpValue.None, "busy", RetryAfterMs: retryAfterMs));
        }, this, delay: wait =>
        {
            waits.Add(wait);
            return Task.CompletedTask;
        }).RunAsync(_seen.BeginCatchUp());

        Assert.Equal(("bob", Codes.RateLimited), (Assert.Single(_summary!.Failed).Conversation, _summary.Failed[0].Code));
        Assert.Empty(waits);
        Assert.Single(_sent);
    }

    // A server's history after the query's anchor, as CatchUpAsync's server: only ids above At.
    private static Func<ISwitchboardMessage, IReply> History(string conversation, params ChatLine[] lines) => m => m switch
    {
        HistoryQuery { Conversation: var c } h when c == conversation =>
            Page(conversation, 0, lines.Max(l => l.Id), [.. lines.Where(l => l.Id > h.At)]),
        _ => throw new InvalidOperationException($"unexpected {m}"),
    };

    [Fact]
    public async Task Direct_messages_from_before_this_client_first_saw_the_conversation_are_not_missed()
    {
        // This process saw only 6 (1-3 came to an earlier one, which marked them read; 4 and 5 were hers).
        Push(Dm(6));
        _screen.Clear();
        await CatchUpAsync(History("bob", Line(1), Line(2), Line(3), Line(4, "alice"), Line(5, "alice"), Line(6), Line(7)));
        Assert.Equal(["missed 7 bob direct"], _screen);
        Assert.Equal(1, _summary!.Missed);
    }

    [Fact]
    public async Task What_she_marked_read_or_read_in_history_is_not_missed_and_those_conversations_are_caught_up_too()
    {
        _seen.Answered(new ChatCommand(1, "markread", ["bob", "3"]), Ok("bob marked read up to 3"));
        _seen.Answered(new HistoryQuery(2, "carol", HistoryAnchor.Latest, 0, 50), Page("carol", 0, 2, Line(1, "carol"), Line(2, "carol")));
        Assert.Equal([new CatchUpPoint("bob", 3, 3), new CatchUpPoint("carol", 2, 2)], _seen.BeginCatchUp().Points);
        await CatchUpAsync(m => m is HistoryQuery { Conversation: "bob" }
            ? History("bob", Line(1), Line(2), Line(3), Line(4))(m)
            : History("carol", Line(1, "carol"), Line(2, "carol"), Line(3, "carol"))(m));
        Assert.Equal(["missed 4 bob direct", "missed 3 carol direct"], _screen);
    }

    [Fact]
    public async Task Presence_notices_turned_off_are_turned_off_again_after_a_reconnect_before_anything_else()
    {
        _seen.Answered(new SetPresence(1, false), Ok("presence notices off"));
        Assert.False(_seen.BeginCatchUp().IsEmpty); // the setting alone is worth restoring
        Join("games");
        await CatchUpAsync(m => m switch
        {
            SetPresence => Ok("presence notices off"),
            JoinRoom => Ok("joined #games"),
            HistoryQuery => Page("#games", 0, 0),
            _ => throw new InvalidOperationException($"unexpected {m}"),
        });
        Assert.False(Assert.IsType<SetPresence>(_sent[0]).On);
        Assert.IsType<JoinRoom>(_sent[1]);
        Assert.Empty(_summary!.Failed);

        // Turned on again: the server's default, nothing to restore.
        _seen.Answered(new SetPresence(2, true), Ok("presence notices on"));
        _seen.Answered(new LeaveRoom(3, "games"), Ok("left #games"));
        Assert.True(_seen.BeginCatchUp().IsEmpty);
    }

    [Fact]
    public async Task What_retention_trimmed_while_she_was_away_is_counted_and_said_per_conversation()
    {
        for (var id = 1; id <= 40; id++) Push(Dm(id));
        _screen.Clear();
        await CatchUpAsync(m =>
        {
            // Asked a little before the newest seen (40 - 32), in case two messages crossed; 41-45 are gone.
            Assert.Equal(8, Assert.IsType<HistoryQuery>(m).At);
            return Page("bob", 45, 47, Line(46), Line(47));
        });
        Assert.Equal(["missed 46 bob direct", "missed 47 bob direct", "trimmed bob 5"], _screen);
        Assert.Equal((2L, 5L), (_summary!.Missed, _summary.Trimmed));
    }

    [Fact]
    public async Task A_long_absence_is_paged_until_caught_up_and_no_further_than_the_bound()
    {
        Join("games");
        Push(Room(1, replay: true));
        var pages = 0;
        await CatchUpAsync(m =>
        {
            if (m is JoinRoom) return Ok("joined #games");
            pages++;
            var h = Assert.IsType<HistoryQuery>(m);
            return Page("#games", 0, 100_000, [.. Enumerable.Range(1, 100).Select(i => Line(h.At + i))]);
        });
        Assert.Equal(CatchUp.MaxPages, pages);
        Assert.Equal(CatchUp.MaxPages * 100 - 1, _summary!.Missed); // all but 1, seen before
        // Each page asks after the last id of the one before.
        Assert.Equal([0L, 100, 200], _sent.OfType<HistoryQuery>().Take(3).Select(h => h.At));
    }

    [Fact]
    public async Task A_room_that_cannot_be_joined_again_is_reported_and_not_asked_and_a_server_without_history_says_nothing()
    {
        Join("games");
        Join("#full");
        Push(Dm(3));
        await CatchUpAsync(m => m switch
        {
            JoinRoom { Room: "#full" } => new Reply(0, Codes.Unavailable, 2, 2, OpValue.None, "room table full"),
            JoinRoom => Ok("joined #games"),
            HistoryQuery => new HistoryReply(0, Codes.NotSupported, 2, 2, "", [], 0, 0, "this server keeps no history"),
            _ => throw new InvalidOperationException(),
        });
        Assert.Equal(["#full", "#games"], _sent.OfType<JoinRoom>().Select(j => j.Room));
        // One question was enough to learn the server keeps nothing.
        Assert.Equal("#games", Assert.Single(_sent.OfType<HistoryQuery>()).Conversation);
        Assert.Equal(["#games"], _summary!.Rooms);
        Assert.Equal(("#full", Codes.Unavailable), (_summary.Failed.Single().Conversation, _summary.Failed.Single().Code));
        // The room lost is no longer the client's: the next reconnect does not try it.
        Assert.Equal(["#games"], _seen.BeginCatchUp().Rooms);
    }

    [Fact]
    public async Task A_connection_lost_again_ends_the_catch_up_without_a_word_and_a_room_left_is_not_joined_again()
    {
        Join("games");
        Join("chess");
        _seen.Answered(new LeaveRoom(2, "chess"), Ok("left #chess"));
        Push(Dm(1));
        await CatchUpAsync(m => m is JoinRoom ? Ok("joined #games") : new Reply(0, Codes.Unreachable, 0, 0, OpValue.None, "not connected (reconnecting)"));
        Assert.Null(_summary);
        Assert.Equal(["#games"], _sent.OfType<JoinRoom>().Select(j => j.Room));
    }
}
