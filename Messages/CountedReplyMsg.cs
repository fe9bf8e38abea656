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
