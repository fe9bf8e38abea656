namespace Switchboard.Messages.Wire;

/// <summary>The header protoc generates alike on the list replies (who, rooms): one codec for it, not one per reply.</summary>
internal interface ICountedReplyMsg
{
    long Id { get; set; }
    int Code { get; set; }
    long ClientSeq { get; set; }
    long ServerSeq { get; set; }
    string Error { get; set; }
}

public sealed partial class WhoReplyMsg : ICountedReplyMsg;

public sealed partial class RoomsReplyMsg : ICountedReplyMsg;
public sealed partial class HistoryReplyMsg : ICountedReplyMsg;

/// <summary>The optional unread count protoc generates alike on list entries (who, rooms).</summary>
internal interface IUnreadEntryMsg
{
    bool HasUnread { get; }
    long Unread { get; set; }
}

public sealed partial class PresenceEntryMsg : IUnreadEntryMsg;

public sealed partial class RoomEntryMsg : IUnreadEntryMsg;
