using System.Runtime.Serialization;
using Google.Protobuf;
using Switchboard.Server.Cluster.Proto;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The sharded history's messages between nodes (<see cref="IHistoryWireMessage"/>, <see cref="ReservationNotice"/>) as
/// the protobuf messages of <c>Proto/history_wire.proto</c>. <see cref="ClusterWireSerializer"/> signs and checks the
/// bytes; this maps them, strictly: an unknown anchor or an empty conversation or name is a
/// <see cref="SerializationException"/>.
/// </summary>
internal static class HistoryWireCodec
{
    public static ManifestTable Add(ManifestTable t) => t
        .Add<Post>("h-post").Add<Posted>("h-posted").Add<HistoryFailed>("h-failed")
        .Add<ReadHistory>("h-read").Add<HistoryPage>("h-page").Add<Fetch>("h-fetch").Add<Fetched>("h-fetched")
        .Add<Hold>("h-hold").Add<HeldOk>("h-held").Add<CollectAway>("h-collect").Add<ClearInbox>("h-clear").Add<ForgetMarker>("h-forget")
        .Add<AwayReport>("h-away").Add<AwayDelivered>("h-delivered").Add<MarkReadUpTo>("h-mark").Add<MarkedOk>("h-marked")
        .Add<MarkChecked>("h-checked").Add<ReservationNotice>("h-notice")
        .Add<ReadMarkers>("h-markers").Add<MarkersRead>("h-markers-read");

    public static bool Carries(object o) => o is IHistoryWireMessage or ReservationNotice;

    public static byte[] Write(object o) => (o switch
    {
        Post m => (IMessage)new PostP { Conversation = m.Conversation.Key, Ticket = m.Ticket, From = m.From, Text = m.Text },
        Posted m => new PostedP { Ticket = m.Ticket, Conversation = m.Conversation.Key, MsgId = m.MsgId, TimeMs = m.TimeMs },
        HistoryFailed m => new FailedP { Ticket = m.Ticket, Code = m.Code, Error = m.Error },
        ReadHistory m => new ReadP { Conversation = m.Conversation.Key, Ticket = m.Ticket, Anchor = (int)m.Anchor, At = m.At, Count = m.Count, SinceMs = m.SinceMs },
        HistoryPage m => new PageP { Ticket = m.Ticket, Conversation = m.Conversation.Key, Lines = { m.Lines.Select(Line) }, Trimmed = m.Trimmed, LastId = m.LastId },
        Fetch m => WithReader(new FetchP { Conversation = m.Conversation.Key, Ticket = m.Ticket, Ids = { m.Ids }, Counted = { m.Counted ?? [] }, SinceMs = m.SinceMs }, m),
        Fetched m => WithUnread(new FetchedP { Ticket = m.Ticket, Conversation = m.Conversation.Key, Lines = { m.Lines.Select(Line) }, LastId = m.LastId, Kept = m.Kept, Gone = m.Gone }, m.Unread),
        Hold m => new HoldP { Owner = m.Owner, Ticket = m.Ticket, Conversation = m.Conversation.Key, MsgId = m.MsgId },
        HeldOk m => new HeldOkP { Ticket = m.Ticket },
        CollectAway m => new CollectP { Owner = m.Owner, SinceMs = m.SinceMs, Ticket = m.Ticket, Next = m.Next },
        ClearInbox m => new ClearP { Owner = m.Owner },
        ForgetMarker m => new ForgetMarkerP { Owner = m.Owner, Conversation = m.Conversation.Key },
        AwayReport m => new AwayP
        {
            Lines = { m.Lines.Select(l => new AwayLineP { Conversation = l.Conversation.Key, Line = Line(l.Line) }) },
            Unread = { m.Unread.Select(u => new UnreadP { Conversation = u.Conversation.Key, Unread = u.Unread }) },
            UpTo = m.UpTo, Trimmed = m.Trimmed, Ticket = m.Ticket, More = m.More, Later = m.Later,
        },
        AwayDelivered m => new DeliveredP { Owner = m.Owner, UpTo = m.UpTo },
        MarkReadUpTo m => Mark(m),
        MarkedOk m => new MarkedP { Ticket = m.Ticket, Marker = m.Marker },
        MarkChecked m => new MarkCheckedP { Mark = Mark(m.Mark) },
        ReadMarkers m => new ReadMarkersP { Owner = m.Owner, Ticket = m.Ticket, All = m.Of is null, Of = { (m.Of ?? []).Select(c => c.Key) } },
        MarkersRead m => new MarkersReadP { Ticket = m.Ticket, Markers = { m.Markers.Select(u => new UnreadP { Conversation = u.Conversation.Key, Unread = u.Marker }) } },
        ReservationNotice m => new NoticeP { Name = m.Name, Reserved = m.SinceMs is not null, SinceMs = m.SinceMs ?? 0, Seq = m.Seq },
        _ => throw new SerializationException($"not a history message: {o.GetType()}"),
    }).ToByteArray();

    public static bool Reads(string manifest) => Readers.ContainsKey(manifest);

    public static object Read(string manifest, byte[] bytes) =>
        Readers.TryGetValue(manifest, out var read) ? read(bytes) : throw new SerializationException($"unknown cluster message '{manifest}'");

    private static readonly Dictionary<string, Func<byte[], object>> Readers = new()
    {
        ["h-post"] = From(PostP.Parser, p => new Post(Conv(p.Conversation), p.Ticket, p.From, p.Text)),
        ["h-posted"] = From(PostedP.Parser, p => new Posted(p.Ticket, Conv(p.Conversation), p.MsgId, p.TimeMs)),
        ["h-failed"] = From(FailedP.Parser, p => new HistoryFailed(p.Ticket, p.Code, p.Error)),
        ["h-read"] = From(ReadP.Parser, p => new ReadHistory(Conv(p.Conversation), p.Ticket, Anchor(p.Anchor), p.At, p.Count, p.SinceMs)),
        ["h-page"] = From(PageP.Parser, p => new HistoryPage(p.Ticket, Conv(p.Conversation), [.. p.Lines.Select(Line)], p.Trimmed, p.LastId)),
        ["h-fetch"] = From(FetchP.Parser, p => new Fetch(Conv(p.Conversation), p.Ticket, [.. p.Ids], [.. p.Counted], p.SinceMs,
            p.HasReader ? Name(p.Reader) : null, p.ReadUpTo)),
        ["h-fetched"] = From(FetchedP.Parser, p => new Fetched(p.Ticket, Conv(p.Conversation), [.. p.Lines.Select(Line)], p.LastId, p.Kept, p.Gone,
            p.HasUnread ? p.Unread : null)),
        ["h-hold"] = From(HoldP.Parser, p => new Hold(Name(p.Owner), p.Ticket, Conv(p.Conversation), p.MsgId)),
        ["h-held"] = From(HeldOkP.Parser, p => new HeldOk(p.Ticket)),
        ["h-collect"] = From(CollectP.Parser, p => new CollectAway(Name(p.Owner), p.SinceMs, p.Ticket, p.Next)),
        ["h-clear"] = From(ClearP.Parser, p => new ClearInbox(Name(p.Owner))),
        ["h-forget"] = From(ForgetMarkerP.Parser, p => new ForgetMarker(Name(p.Owner), Conv(p.Conversation))),
        ["h-away"] = From(AwayP.Parser, p => new AwayReport(
            [.. p.Lines.Select(l => new AwayLine(Conv(l.Conversation), Line(l.Line ?? throw Missing("line"))))],
            [.. p.Unread.Select(u => (Conv(u.Conversation), u.Unread))], p.UpTo, p.Trimmed, p.Ticket, p.More, p.Later)),
        ["h-delivered"] = From(DeliveredP.Parser, p => new AwayDelivered(Name(p.Owner), p.UpTo)),
        ["h-mark"] = From(MarkP.Parser, Mark),
        ["h-marked"] = From(MarkedP.Parser, p => new MarkedOk(p.Ticket, p.Marker)),
        ["h-checked"] = From(MarkCheckedP.Parser, p => new MarkChecked(Mark(p.Mark ?? throw Missing("mark")))),
        ["h-markers"] = From(ReadMarkersP.Parser, p => new ReadMarkers(Name(p.Owner), p.Ticket, p.All ? null : [.. p.Of.Select(Conv)])),
        ["h-markers-read"] = From(MarkersReadP.Parser, p => new MarkersRead(p.Ticket, [.. p.Markers.Select(u => (Conv(u.Conversation), u.Unread))])),
        ["h-notice"] = From(NoticeP.Parser, p => new ReservationNotice(Name(p.Name), p.Reserved ? p.SinceMs : null, p.Seq)),
    };

    private static Func<byte[], object> From<T>(MessageParser<T> parser, Func<T, object> map) where T : IMessage<T> =>
        bytes => map(parser.ParseFrom(bytes));

    private static MarkP Mark(MarkReadUpTo m) => new() { Owner = m.Owner, Ticket = m.Ticket, Conversation = m.Conversation.Key, MsgId = m.MsgId, SinceMs = m.SinceMs };

    private static MarkReadUpTo Mark(MarkP p) => new(Name(p.Owner), p.Ticket, Conv(p.Conversation), p.MsgId, p.SinceMs);

    private static FetchP WithReader(FetchP p, Fetch m)
    {
        if (m.Reader is null) return p;
        p.Reader = m.Reader;
        p.ReadUpTo = m.ReadUpTo;
        return p;
    }

    private static FetchedP WithUnread(FetchedP p, long? unread)
    {
        if (unread is { } n) p.Unread = n;
        return p;
    }

    private static Line Line(ChatLine l) => new() { Id = l.Id, From = l.From, Text = l.Text, TimeMs = l.TimeMs };

    private static ChatLine Line(Line l) => new(l.Id, l.From, l.Text, l.TimeMs);

    // Entity ids come from these: a conversation key is a room (#...) or a pair of names (@a@b).
    private static Conversation Conv(string key) =>
        key.Length > 1 && key[0] is '#' or '@' ? new Conversation(key) : throw new SerializationException($"not a conversation: '{key}'");

    private static string Name(string name) => Limits.IsValidName(name) ? name : throw new SerializationException($"not a name: '{name}'");

    private static HistoryAnchor Anchor(int anchor) =>
        Enum.IsDefined((HistoryAnchor)anchor) ? (HistoryAnchor)anchor : throw new SerializationException($"unknown anchor {anchor}");

    private static SerializationException Missing(string field) => new($"history message without its {field}");
}
