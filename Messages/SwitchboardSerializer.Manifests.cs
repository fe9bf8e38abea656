namespace Switchboard.Messages;

// The manifest of each wire message, by type (Manifest); FromBinary reads the same constants.
public sealed partial class SwitchboardSerializer
{
    private static readonly ManifestTable Manifests = new ManifestTable()
        .Add<Request>(RequestM)
        .Add<Reply>(ReplyM)
        .Add<RequestBatch>(RequestBatchM)
        .Add<ReplyBatch>(ReplyBatchM)
        .Add<Register>(RegisterM)
        .Add<Registered>(RegisteredM)
        .Add<Rejected>(RejectedM)
        .Add<Unregister>(UnregisterM)
        .Add<Who>(WhoM)
        .Add<WhoReply>(WhoReplyM)
        .Add<Say>(SayM)
        .Add<Tell>(TellM)
        .Add<JoinRoom>(JoinM)
        .Add<LeaveRoom>(LeaveM)
        .Add<ListRooms>(RoomsM)
        .Add<RoomsReply>(RoomsReplyM)
        .Add<SetPresence>(PresenceM)
        .Add<Ack>(AckM)
        .Add<Incoming>(IncomingM)
        .Add<PresenceEvent>(PresenceEventM)
        .Add<PresenceBatch>(PresenceBatchM)
        .Add<Dropped>(DroppedM)
        .Add<FanoutDropped>(FanoutDroppedM)
        .Add<Deliver>(DeliverM)
        .Add<Delivered>(DeliveredM)
        .Add<Fanout>(FanoutM)
        .Add<AccountCommand>(AccountM)
        .Add<HistoryQuery>(HistoryM)
        .Add<HistoryReply>(HistoryReplyM)
        .Add<ChatCommand>(ChatCommandM)
        .Add<AwayNotice>(AwayM);
}
