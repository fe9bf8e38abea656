namespace Switchboard.Client.Recovery;

/// <summary>Where a catch-up shows what it found (the scripted output, or the menu's notices).</summary>
public interface ICatchUpView
{
    /// <summary>A room joined again after the reconnect.</summary>
    void Rejoined(string room);

    /// <summary>A message that came while the client was away, found by the catch-up (or in a room's replay).</summary>
    void Missed(Incoming message);

    /// <summary><paramref name="count"/> messages of <paramref name="conversation"/> came while the client was away and
    /// were trimmed by retention before it could ask: missed for good.</summary>
    void Trimmed(string conversation, long count);

    /// <summary>The catch-up is over: what it showed, what was trimmed, and what could not be done.</summary>
    void CaughtUp(CatchUpSummary summary);
}

/// <summary>A catch-up's outcome: messages shown as missed, messages retention trimmed before they could be read, rooms
/// joined again, and conversations it could not catch up on (the server's code and error; "presence" when notices could
/// not be turned off again).</summary>
public sealed record CatchUpSummary(long Missed, long Trimmed, string[] Rooms, (string Conversation, int Code, string Error)[] Failed);

/// <summary>
/// After a reconnect: turns presence notices off again if the client had (a new session starts with them on), joins the
/// client's rooms again, then asks each conversation's history after the point
/// <see cref="SeenMessages"/> gave (the history query, paged until caught up, at most <see cref="MaxPages"/> a
/// conversation), one request at a time (the session's rate limit is the client's too; a 429 with a retry-after is asked
/// again after it, <see cref="MaxRetries"/> times at most). What comes that was not shown
/// already, and is not the client's own, is shown as missed; what retention trimmed meanwhile is counted. A server that
/// keeps no history answers 300: nothing is said. A request the client answers itself (400: the connection went again,
/// or the client is leaving) ends the catch-up silently; the next reconnect starts a new one.
/// </summary>
public sealed class CatchUp(SeenMessages seen, Func<Func<long, ISwitchboardMessage>, Task<IReply>> send, ICatchUpView view,
    Func<TimeSpan, Task>? delay = null)
{
    /// <summary>History pages asked per conversation (100 messages each): past them the rest is left to `history`.</summary>
    public const int MaxPages = 10;

    /// <summary>Times one request refused 429 with a retry-after is sent again (after that wait), at most
    /// <see cref="MaxRetryWait"/> of waiting in all: the session's rate limit, or the server's budget of conversations
    /// its store reads back per host, which every client of a host reconnecting at once after a restart may spend.</summary>
    public const int MaxRetries = 5;

    public static readonly TimeSpan MaxRetryWait = TimeSpan.FromSeconds(30);

    // How the catch-up waits (a spec's returns at once).
    private readonly Func<TimeSpan, Task> _delay = delay ?? (wait => Task.Delay(wait));

    // Waiting what the server named, never less, keeps the client out of the server's flood rule; past the retries or
    // the wait, the refusal is the answer (a conversation not caught up, reported).
    private async Task<IReply> SendAsync(Func<long, ISwitchboardMessage> make)
    {
        var reply = await send(make);
        var waited = TimeSpan.Zero;
        for (var retry = 0; retry < MaxRetries && Scripted.RateLimitRetry.RetryAfter(reply) is { } wait; retry++)
        {
            if (wait > MaxRetryWait - waited) break;
            await _delay(wait);
            waited += wait;
            reply = await send(make);
        }
        return reply;
    }

    private readonly TaskCompletionSource _rejoined = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Done once the rooms were joined again (or the catch-up ended before): what the person or script types
    /// next waits for it (<see cref="Connection.Rejoining"/>), or a line to a room could reach the new session before the
    /// room's join and be refused "join first".</summary>
    public Task Rejoined => _rejoined.Task;

    public async Task RunAsync(CatchUpPlan plan)
    {
        try
        {
            await RunCoreAsync(plan);
        }
        finally
        {
            _rejoined.TrySetResult();
        }
    }

    private async Task RunCoreAsync(CatchUpPlan plan)
    {
        var rooms = new List<string>();
        var failed = new List<(string, int, string)>();
        var lost = new HashSet<string>(StringComparer.Ordinal);
        if (!plan.PresenceOn)
        {
            var reply = await SendAsync(id => new SetPresence(id, false));
            if (reply.Code == Codes.Unreachable) return;
            if (reply.Code != Codes.Ok) failed.Add(("presence", reply.Code, reply.Error ?? "not set"));
        }
        foreach (var room in plan.Rooms)
        {
            var reply = await SendAsync(id => new JoinRoom(id, room));
            if (reply.Code == Codes.Unreachable) return;
            if (reply.Code == Codes.Ok)
            {
                rooms.Add(room);
                view.Rejoined(room);
                continue;
            }
            lost.Add(room);
            seen.LostRoom(room);
            failed.Add((room, reply.Code, reply.Error ?? "not joined"));
        }
        _rejoined.TrySetResult();
        long missed = 0, trimmed = 0;
        var kept = true;
        foreach (var point in plan.Points)
        {
            if (lost.Contains(point.Conversation)) continue;
            // A server without history said so once (300): no conversation has any.
            if (!kept)
            {
                seen.CaughtUp(point.Conversation);
                continue;
            }
            var (shown, gone, failure) = await ConversationAsync(point);
            seen.CaughtUp(point.Conversation);
            if (failure is { Code: Codes.Unreachable }) return;
            if (failure is { Code: Codes.NotSupported }) kept = false;
            else if (failure is { } f) failed.Add((point.Conversation, f.Code, f.Error ?? "error"));
            missed += shown;
            trimmed += gone;
            if (gone > 0) view.Trimmed(point.Conversation, gone);
        }
        view.CaughtUp(new CatchUpSummary(missed + seen.MissedInReplays, trimmed, [.. rooms], [.. failed]));
    }

    private async Task<(long Shown, long Trimmed, IReply? Failure)> ConversationAsync(CatchUpPoint point)
    {
        var room = point.Conversation.StartsWith('#');
        long shown = 0, trimmed = 0, after = point.After;
        for (var page = 0; page < MaxPages; page++)
        {
            var reply = await SendAsync(id => new HistoryQuery(id, point.Conversation, HistoryAnchor.After, after, Limits.MaxHistoryCount));
            if (reply is not HistoryReply { Code: Codes.Ok } h) return (shown, trimmed, reply);
            // Ids up to Trimmed are gone; those past the newest seen before the drop were never shown. (A room the client
            // saw nothing of gives no point to count from: what was trimmed may predate its joining.)
            if (page == 0 && point.Newest > 0) trimmed = Math.Max(0, h.Trimmed - point.Newest);
            foreach (var line in h.Messages)
            {
                if (!seen.Recovered(point.Conversation, line)) continue;
                view.Missed(new Incoming(line.From, line.Text, !room, room ? point.Conversation : null, false, line.Id, line.TimeMs));
                shown++;
            }
            if (h.Messages.Length == 0 || h.Messages[^1].Id >= h.LastId) break;
            after = h.Messages[^1].Id;
        }
        return (shown, trimmed, null);
    }
}
