using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Switchboard.Client.Scripted;

/// <summary>
/// Renders replies and events as single lines, JSON (field names fixed by DESIGN §4) or plain text.
/// Writes are whole lines under one lock, so an event never lands inside a reply.
/// </summary>
public sealed class Output(TextWriter writer, bool json)
{
    // Readable quotes and non-ASCII; output is a line on a console or a pipe, never embedded in HTML.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _gate = new();

    public void Registered(string name, Registered r, string @event = "registered") => Line(json
        ? Json(w =>
        {
            w.WriteString("event", @event);
            w.WriteNumber("code", Codes.Ok);
            w.WriteNumber("clientSeq", r.ClientSeq);
            w.WriteNumber("serverSeq", r.ServerSeq);
            w.WriteString("name", name);
            w.WriteString("node", r.Node);
        })
        : $"{@event} as {name} on {r.Node} [clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]");

    public void Rejected(int code, string error) =>
        Failure("registered", code, error, $"registration failed: {code} {error}");

    /// <summary>A re-registration after a lost connection was refused; the client goes on trying, unless
    /// <paramref name="final"/> (then its commands are answered "not connected" and it exits 3 at the end).</summary>
    public void ReconnectRefused(int code, string error, bool final = false) =>
        Failure(final ? "reconnect-refused-final" : "reconnect-refused", code, error,
            $"* cannot register again: {code} {error}; {(final ? "not trying again" : "still trying")}");

    public void Reply(string cmd, IReply r) => Line(json ? Json(w => WriteReply(w, cmd, r)) : Plain(cmd, r));

    /// <summary>A reply the client makes itself (usage errors, server unreachable): no sequence numbers.</summary>
    public void Local(string cmd, int code, string? error) => Line(json
        ? Json(w =>
        {
            w.WriteString("cmd", cmd);
            w.WriteNumber("code", code);
            if (error is not null) w.WriteString("error", error);
        })
        : error is null ? $"{cmd}: ok" : $"{cmd}: error {code} {error}");

    public void Disconnected(string why) =>
        Failure("disconnected", Codes.Unreachable, why, $"* disconnected: {why}; reconnecting");

    // An event that is a failure: its JSON is {"event", "code", "error"}, its plain text the caller's.
    private void Failure(string @event, int code, string error, string plain) => Line(json
        ? Json(w =>
        {
            w.WriteString("event", @event);
            w.WriteNumber("code", code);
            w.WriteString("error", error);
        })
        : plain);

    /// <summary>A pushed event: a message, a presence notice, a dropped-message notice.</summary>
    public void Pushed(ISwitchboardMessage m)
    {
        if (m is Incoming or PresenceEvent or PresenceBatch or Dropped or AwayNotice) Line(json ? Json(w => WriteEvent(w, m)) : PlainEvent(m));
    }

    /// <summary>A message that came while the client was away, found after it reconnected: a message event marked missed.</summary>
    public void Missed(Incoming m) => Line(json
        ? Json(w =>
        {
            WriteEvent(w, m with { Replay = false });
            w.WriteBoolean("missed", true);
        })
        : PlainMissed(m));

    public static string PlainMissed(Incoming m) => "(missed) " + PlainEvent(m with { Replay = false, Offline = false });

    /// <summary>Messages of a conversation that came while the client was away but retention trimmed first.</summary>
    public void Trimmed(string conversation, long count) => Line(json
        ? Json(w =>
        {
            w.WriteString("event", "trimmed");
            w.WriteString("conversation", conversation);
            w.WriteNumber("count", count);
        })
        : PlainTrimmed(conversation, count));

    public static string PlainTrimmed(string conversation, long count) =>
        $"* {conversation}: {count} message(s) were trimmed; you missed them";

    /// <summary>The catch-up after a reconnect is over.</summary>
    public void CaughtUp(CatchUpSummary s) => Line(json
        ? Json(w =>
        {
            w.WriteString("event", "caught-up");
            w.WriteNumber("missed", s.Missed);
            w.WriteNumber("trimmed", s.Trimmed);
            w.WriteStartArray("rooms");
            foreach (var room in s.Rooms) w.WriteStringValue(room);
            w.WriteEndArray();
            if (s.Failed.Length == 0) return;
            w.WriteStartArray("failed");
            foreach (var (conversation, code, error) in s.Failed)
            {
                w.WriteStartObject();
                w.WriteString("conversation", conversation);
                w.WriteNumber("code", code);
                w.WriteString("error", error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        })
        : PlainCaughtUp(s));

    public static string PlainCaughtUp(CatchUpSummary s) =>
        $"* caught up: {s.Missed} missed message(s)"
        + (s.Trimmed > 0 ? $", {s.Trimmed} trimmed before you could read them" : "")
        + (s.Rooms.Length > 0 ? $"; back in {string.Join(", ", s.Rooms)}" : "")
        + string.Concat(s.Failed.Select(f => $"; {f.Conversation}: error {f.Code} {f.Error}"));

    private static string Unread(AwayNotice a) => string.Join(", ", a.Unread.Select(u => $"{u.Conversation} {u.Count}"));

    public static string PlainEvent(ISwitchboardMessage m) => m switch
    {
        Incoming i => $"{(i.Replay ? "(earlier) " : i.Offline ? "(while you were away) " : "")}[{i.From} → {(i.Direct ? "you" : i.Room ?? "everyone")}] {i.Text}",
        // Nothing new but unread counts (every login once markers exist): the counts alone, not "0 message(s) arrived".
        AwayNotice { Unfetched: true } => "* messages kept while you were away could not be fetched now (the history store did not answer); they will come at your next login",
        AwayNotice { Arrived: 0, Trimmed: 0, Unread.Length: > 0 } a => "* unread: " + Unread(a),
        AwayNotice a => $"* {a.Arrived} message(s) arrived while you were away"
            + (a.Trimmed > 0 ? $" ({a.Trimmed} more were trimmed before you returned: you missed them)" : "")
            + (a.Unread.Length == 0 ? "" : "; unread: " + Unread(a)),
        PresenceEvent p => $"* {p.Name} {(p.Joined ? "joined" : "left")} ({p.Node})",
        PresenceBatch b => $"* and {b.MoreJoined} more joined, {b.MoreLeft} more left (see who)",
        Dropped d => d.Others > 0 ? $"* message to {d.To} and {d.Others} others dropped: {d.Reason}" : $"* message to {d.To} dropped: {d.Reason}",
        _ => m.ToString() ?? "",
    };

    public static string Plain(string cmd, IReply r)
    {
        var seq = r.ClientSeq > 0 ? $" [clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]" : "";
        // One line per answer, history too (the line contract): its messages follow the numbers, " | " between them.
        if (r is HistoryReply { Code: Codes.Ok } h)
            return $"{cmd}: {HistoryHead(h)}{seq}" + (h.Messages.Length == 0 ? "" : ": " + string.Join(" | ", h.Messages.Select(HistoryLine)));
        return r.Code == Codes.Ok ? $"{cmd}: {ResultText(r)}{seq}"
            : r.Code == Codes.Stored ? $"{cmd}: {r.Code} {ResultText(r)}{seq}"
            : $"{cmd}: error {r.Code} {ErrorText(r)}{seq}";
    }

    /// <summary>A failure's text; a 429 that says when to come back says it too (the client gave up waiting, or a
    /// person is at the menu, where nothing is sent again by itself).</summary>
    public static string ErrorText(IReply r) =>
        RateLimitRetry.RetryAfterMs(r) is > 0 and var ms ? $"{r.Error}; slow down, retry in {ms} ms" : r.Error ?? "";

    public static string ResultText(IReply r) => r switch
    {
        Reply x => ValueText(x.Value),
        WhoReply w => (w.Clients.Length == 0 ? "nobody online"
            : string.Join(", ", w.Clients.Select(c => $"{c.Name}@{c.Node}" + (c.Unread > 0 ? $" ({c.Unread} unread)" : ""))))
            + (w.More > 0 ? $", and {w.More} more online (not listed: more than one answer carries)" : ""),
        RoomsReply x => x.Rooms.Length == 0 ? "no rooms"
            : string.Join(", ", x.Rooms.Select(e => $"{e.Name} ({e.Members} here, {e.History} recent{(e.Unread > 0 ? $", {e.Unread} unread" : "")})")),
        HistoryReply h => HistoryText(h),
        _ => "ok",
    };

    public static string ValueText(OpValue v) => v.Kind == ValueKind.None ? "ok" : v.ToString();

    // One line per message under a heading, for a person (the menu); scripted mode puts them on one line.
    private static string HistoryText(HistoryReply h) => string.Concat(h.Messages.Select(l => "\n  " + HistoryLine(l)).Prepend(HistoryHead(h)));

    private static string HistoryHead(HistoryReply h) => $"{h.Messages.Length} message(s) of {h.Conversation}{HistoryNotes(h)}";

    /// <summary>What a page leaves out, for a person: ids below the readable ones (a room's trimmed by retention; a DM
    /// conversation's may also be from before the reader's reservation), older readable ones, and newer ones.</summary>
    public static string HistoryNotes(HistoryReply h)
    {
        var notes = new List<string>();
        if (h.Trimmed > 0)
            notes.Add(h.Conversation.StartsWith('#') ? $"ids up to {h.Trimmed} were trimmed"
                : $"ids up to {h.Trimmed} are not readable: trimmed, or from before your reservation");
        if (h.Messages.Length > 0 && h.Messages[0].Id > h.Trimmed + 1)
            notes.Add($"older: history {h.Conversation} before {h.Messages[0].Id}");
        // Paging forward needs the next page's command as much as paging back does (a retest's finding).
        if (h.Messages.Length > 0 && h.Messages[^1].Id < h.LastId)
            notes.Add($"newer: history {h.Conversation} after {h.Messages[^1].Id}; the newest is {h.LastId}");
        return notes.Count == 0 ? "" : " (" + string.Join("; ", notes) + ")";
    }

    private static string HistoryLine(ChatLine l) =>
        $"#{l.Id} {DateTimeOffset.FromUnixTimeMilliseconds(l.TimeMs).ToLocalTime():yyyy-MM-dd HH:mm:ss} {l.From}: {l.Text}";
    private static void WriteReply(Utf8JsonWriter w, string cmd, IReply r)
    {
        w.WriteString("cmd", cmd);
        w.WriteNumber("code", r.Code);
        // A reply the client made itself (400) or the server could not count (503) has no numbers.
        if (r.ClientSeq > 0)
        {
            w.WriteNumber("clientSeq", r.ClientSeq);
            w.WriteNumber("serverSeq", r.ServerSeq);
        }
        if (r.Code is not (Codes.Ok or Codes.Stored))
        {
            w.WriteString("error", r.Error ?? "error");
            if (RateLimitRetry.RetryAfterMs(r) is > 0 and var ms) w.WriteNumber("retryAfterMs", ms);
            return;
        }
        switch (r)
        {
            case Reply { Value.Kind: ValueKind.Number } x: w.WriteNumber("result", x.Value.Number); break;
            case Reply { Value.Kind: ValueKind.Flag } x: w.WriteBoolean("result", x.Value.Flag); break;
            case Reply { Value.Kind: ValueKind.Text } x: w.WriteString("result", x.Value.Text); break;
            case WhoReply x:
                WriteResults(w, x.Clients, (w, c) =>
                {
                    w.WriteString("name", c.Name);
                    w.WriteString("node", c.Node);
                    w.WriteString("since", Iso(c.SinceMs));
                    if (c.Unread is { } unread) w.WriteNumber("unread", unread);
                });
                if (x.More > 0) w.WriteNumber("more", x.More);
                break;
            case RoomsReply x:
                WriteResults(w, x.Rooms, (w, e) =>
                {
                    w.WriteString("room", e.Name);
                    w.WriteNumber("members", e.Members);
                    w.WriteNumber("history", e.History);
                    if (e.Unread is { } unread) w.WriteNumber("unread", unread);
                });
                break;
            case HistoryReply x:
                w.WriteString("conversation", x.Conversation);
                w.WriteNumber("trimmed", x.Trimmed);
                w.WriteNumber("lastId", x.LastId);
                w.WriteStartArray("messages");
                foreach (var l in x.Messages)
                {
                    w.WriteStartObject();
                    WriteLine(w, l.Id, l.From, l.Text, l.TimeMs);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
        }
    }

    // ISO 8601 in UTC with milliseconds always: one width, for scripts (JSON's default drops trailing zeros).
    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteLine(Utf8JsonWriter w, long id, string from, string text, long timeMs)
    {
        if (id > 0) w.WriteNumber("id", id);
        w.WriteString("from", from);
        w.WriteString("text", text);
        if (timeMs > 0) w.WriteString("time", Iso(timeMs));
    }

    // A result that is a list: an array of one object per item.
    private static void WriteResults<T>(Utf8JsonWriter w, T[] items, Action<Utf8JsonWriter, T> fields)
    {
        w.WriteStartArray("result");
        foreach (var item in items)
        {
            w.WriteStartObject();
            fields(w, item);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteEvent(Utf8JsonWriter w, ISwitchboardMessage m)
    {
        switch (m)
        {
            case Incoming i:
                w.WriteString("event", "message");
                WriteLine(w, i.MsgId, i.From, i.Text, i.TimeMs);
                w.WriteBoolean("direct", i.Direct);
                if (i.Room is not null) w.WriteString("room", i.Room);
                if (i.Replay) w.WriteBoolean("replay", true);
                if (i.Offline) w.WriteBoolean("offline", true);
                break;
            case AwayNotice a:
                w.WriteString("event", "away");
                w.WriteNumber("arrived", a.Arrived);
                if (a.Trimmed > 0) w.WriteNumber("trimmed", a.Trimmed);
                if (a.Unfetched) w.WriteBoolean("unfetched", true);
                w.WriteStartArray("unread");
                foreach (var u in a.Unread)
                {
                    w.WriteStartObject();
                    w.WriteString("conversation", u.Conversation);
                    w.WriteNumber("count", u.Count);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case PresenceEvent p:
                w.WriteString("event", p.Joined ? "joined" : "left");
                w.WriteString("name", p.Name);
                w.WriteString("node", p.Node);
                break;
            case PresenceBatch b:
                w.WriteString("event", "presence");
                w.WriteNumber("moreJoined", b.MoreJoined);
                w.WriteNumber("moreLeft", b.MoreLeft);
                break;
            case Dropped d:
                w.WriteString("event", "dropped");
                w.WriteString("to", d.To);
                if (d.Others > 0) w.WriteNumber("others", d.Others);
                w.WriteString("error", d.Reason);
                break;
        }
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private void Line(string line)
    {
        // A plain line is one line and drives no terminal: a control character the server sent (it refuses them; a
        // misbehaving one, or a man in the middle without TLS, could send "\n[alice → you] ..." or ESC[2J) shows as
        // '?'. JSON escapes them and keeps the text as sent.
        if (!json && line.Any(char.IsControl)) line = string.Concat(line.Select(c => char.IsControl(c) ? '?' : c));
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
