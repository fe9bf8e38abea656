using System.Runtime.Serialization;
using Switchboard.Messages.Wire;

namespace Switchboard.Messages;

// History queries, the away notice, and chat commands by name.
public sealed partial class SwitchboardSerializer
{
    private static HistoryMsg ToHistory(HistoryQuery r) =>
        new() { Id = r.Id, Conversation = r.Conversation, Anchor = (int)r.Anchor, At = r.At, Count = r.Count };

    // An anchor this side does not know decodes as None, which the server answers 422.
    private static HistoryQuery FromHistory(HistoryMsg m) =>
        new(m.Id, m.Conversation, Enum.IsDefined((HistoryAnchor)m.Anchor) ? (HistoryAnchor)m.Anchor : HistoryAnchor.None, m.At, m.Count);

    private static HistoryReplyMsg ToHistoryReply(HistoryReply r)
    {
        var m = ListReply(r, r.Messages, (HistoryReplyMsg m) => m.Messages, l => new ChatLineMsg { Id = l.Id, From = l.From, Text = l.Text, TimeMs = l.TimeMs });
        (m.Conversation, m.Trimmed, m.LastId) = (r.Conversation, r.Trimmed, r.LastId);
        return m;
    }

    private static HistoryReply FromHistoryReply(HistoryReplyMsg m) =>
        new(m.Id, m.Code, m.ClientSeq, m.ServerSeq, m.Conversation, [.. m.Messages.Select(l => new ChatLine(l.Id, l.From, l.Text, l.TimeMs))],
            m.Trimmed, m.LastId, NullIfEmpty(m.Error));

    private static ChatCommandMsg ToChatCommand(ChatCommand r)
    {
        var m = new ChatCommandMsg { Id = r.Id, Verb = r.Verb };
        m.Args.AddRange(r.Args);
        return m;
    }

    // Parsed whole by the generated parser (the frame bounds it), then held to the request codec's argument limit.
    private static ChatCommand FromChatCommand(ChatCommandMsg m) => m.Args.Count <= Limits.MaxArgs
        ? new(m.Id, m.Verb, [.. m.Args])
        : throw new SerializationException($"a chat command carries at most {Limits.MaxArgs} arguments");

    private static AwayNoticeMsg ToAway(AwayNotice r)
    {
        var m = new AwayNoticeMsg { Arrived = r.Arrived, Trimmed = r.Trimmed, Unfetched = r.Unfetched };
        foreach (var u in r.Unread) m.Unread.Add(new UnreadEntryMsg { Conversation = u.Conversation, Count = u.Count });
        return m;
    }

    private static AwayNotice FromAway(AwayNoticeMsg m) => new(m.Arrived, [.. m.Unread.Select(u => new UnreadEntry(u.Conversation, u.Count))], m.Trimmed, m.Unfetched);
}
