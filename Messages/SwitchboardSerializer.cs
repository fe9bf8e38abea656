using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Switchboard.Messages.Wire;

namespace Switchboard.Messages;

/// <summary>
/// Protobuf wire format for every <see cref="ISwitchboardMessage"/>. Strict: an unknown manifest or a
/// malformed payload throws, and Akka.Remote drops that one message instead of guessing.
/// </summary>
public sealed partial class SwitchboardSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4242;
    private const string RegisterM = "reg", RegisteredM = "regd", RejectedM = "rej", UnregisterM = "unreg",
        RequestM = "req", ReplyM = "rep", WhoM = "who", WhoReplyM = "whor", SayM = "say", TellM = "tell",
        JoinM = "join", LeaveM = "leave", RoomsM = "rooms", RoomsReplyM = "roomsr", PresenceM = "pres",
        AckM = "ack", IncomingM = "in", PresenceEventM = "presev", PresenceBatchM = "presb", DroppedM = "drop", FanoutDroppedM = "fdrop", DeliverM = "dlv",
        DeliveredM = "dlvd", FanoutM = "fan",
        RequestBatchM = "reqb", ReplyBatchM = "repb", AccountM = "acct",
        HistoryM = "hist", HistoryReplyM = "histr", ChatCommandM = "cmd", AwayM = "away";

    public override int Identifier => Id;

    public override string Manifest(object o) => Manifests.TryGet(o, out var manifest) ? manifest
        : throw new ArgumentException($"{o.GetType()} is not a Switchboard wire message", nameof(o));

    public override byte[] ToBinary(object obj) => obj switch
    {
        Request r => RequestCodec.Write(r),
        Reply r => RequestCodec.Write(r),
        RequestBatch b => RequestCodec.Write(b),
        ReplyBatch b => RequestCodec.Write(b),
        Register r => ToRegister(r).ToByteArray(),
        AccountCommand r => ToAccount(r).ToByteArray(),
        Registered r => new RegisteredMsg
        {
            Session = Serialization.SerializedActorPath(r.Session), ClientSeq = r.ClientSeq,
            ServerSeq = r.ServerSeq, Node = r.Node,
        }.ToByteArray(),
        Rejected r => new RejectedMsg { Code = r.Code, Error = r.Error }.ToByteArray(),
        Unregister r => new UnregisterMsg { Id = r.Id }.ToByteArray(),
        Who r => new WhoMsg { Id = r.Id }.ToByteArray(),
        WhoReply r => ToWhoReply(r).ToByteArray(),
        Say r => new SayMsg { Id = r.Id, Room = r.Room ?? "", Text = r.Text }.ToByteArray(),
        Tell r => new TellMsg { Id = r.Id, To = r.To, Text = r.Text }.ToByteArray(),
        JoinRoom r => new JoinRoomMsg { Id = r.Id, Room = r.Room }.ToByteArray(),
        LeaveRoom r => new LeaveRoomMsg { Id = r.Id, Room = r.Room }.ToByteArray(),
        ListRooms r => new ListRoomsMsg { Id = r.Id }.ToByteArray(),
        RoomsReply r => ToRoomsReply(r).ToByteArray(),
        SetPresence r => new SetPresenceMsg { Id = r.Id, On = r.On }.ToByteArray(),
        Ack r => new AckMsg { Received = r.Received }.ToByteArray(),
        Incoming r => new IncomingMsg
        {
            From = r.From, Text = r.Text, Direct = r.Direct, Room = r.Room ?? "", Replay = r.Replay, MsgId = r.MsgId, TimeMs = r.TimeMs,
            Offline = r.Offline,
        }.ToByteArray(),
        PresenceEvent r => ToPresenceEvent(r).ToByteArray(),
        PresenceBatch r => ToPresenceBatch(r).ToByteArray(),
        Dropped r => new DroppedMsg { To = r.To, Reason = r.Reason, Others = r.Others }.ToByteArray(),
        FanoutDropped r => new DroppedMsg { To = r.To, Reason = r.Reason, From = r.From }.ToByteArray(),
        Deliver r => new DeliverMsg
        {
            Id = r.Id, From = r.From, To = r.To, Text = r.Text, ReplyTo = Serialization.SerializedActorPath(r.ReplyTo), MsgId = r.MsgId, TimeMs = r.TimeMs,
        }.ToByteArray(),
        Delivered r => new DeliveredMsg { Id = r.Id, Code = r.Code, Error = r.Error ?? "" }.ToByteArray(),
        Fanout r => new FanoutMsg
        {
            From = r.From, Room = r.Room ?? "", Text = r.Text, ReplyTo = Serialization.SerializedActorPath(r.ReplyTo), MsgId = r.MsgId, TimeMs = r.TimeMs,
        }.ToByteArray(),
        HistoryQuery r => ToHistory(r).ToByteArray(),
        HistoryReply r => ToHistoryReply(r).ToByteArray(),
        ChatCommand r => ToChatCommand(r).ToByteArray(),
        AwayNotice r => ToAway(r).ToByteArray(),
        _ => throw new ArgumentException($"{obj.GetType()} is not a Switchboard wire message", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        RequestM => RequestCodec.ReadRequest(bytes),
        ReplyM => RequestCodec.ReadReply(bytes),
        RequestBatchM => RequestCodec.ReadRequestBatch(bytes),
        ReplyBatchM => RequestCodec.ReadReplyBatch(bytes),
        RegisterM => FromRegister(RegisterMsg.Parser.ParseFrom(bytes)),
        RegisteredM => FromRegistered(RegisteredMsg.Parser.ParseFrom(bytes)),
        RejectedM => FromRejected(RejectedMsg.Parser.ParseFrom(bytes)),
        UnregisterM => new Unregister(UnregisterMsg.Parser.ParseFrom(bytes).Id),
        WhoM => new Who(WhoMsg.Parser.ParseFrom(bytes).Id),
        WhoReplyM => FromWhoReply(WhoReplyMsg.Parser.ParseFrom(bytes)),
        SayM => FromSay(SayMsg.Parser.ParseFrom(bytes)),
        TellM => FromTell(TellMsg.Parser.ParseFrom(bytes)),
        JoinM => FromJoin(JoinRoomMsg.Parser.ParseFrom(bytes)),
        LeaveM => FromLeave(LeaveRoomMsg.Parser.ParseFrom(bytes)),
        RoomsM => new ListRooms(ListRoomsMsg.Parser.ParseFrom(bytes).Id),
        RoomsReplyM => FromRoomsReply(RoomsReplyMsg.Parser.ParseFrom(bytes)),
        PresenceM => FromSetPresence(SetPresenceMsg.Parser.ParseFrom(bytes)),
        AckM => new Ack(AckMsg.Parser.ParseFrom(bytes).Received),
        IncomingM => FromIncoming(IncomingMsg.Parser.ParseFrom(bytes)),
        PresenceEventM => FromPresenceEvent(PresenceEventMsg.Parser.ParseFrom(bytes)),
        PresenceBatchM => FromPresenceBatch(PresenceBatchMsg.Parser.ParseFrom(bytes)),
        DroppedM => FromDropped(DroppedMsg.Parser.ParseFrom(bytes)),
        FanoutDroppedM => FromFanoutDropped(DroppedMsg.Parser.ParseFrom(bytes)),
        DeliverM => FromDeliver(DeliverMsg.Parser.ParseFrom(bytes)),
        DeliveredM => FromDelivered(DeliveredMsg.Parser.ParseFrom(bytes)),
        FanoutM => FromFanout(FanoutMsg.Parser.ParseFrom(bytes)),
        AccountM => FromAccount(AccountMsg.Parser.ParseFrom(bytes)),
        HistoryM => FromHistory(HistoryMsg.Parser.ParseFrom(bytes)),
        HistoryReplyM => FromHistoryReply(HistoryReplyMsg.Parser.ParseFrom(bytes)),
        ChatCommandM => FromChatCommand(ChatCommandMsg.Parser.ParseFrom(bytes)),
        AwayM => FromAway(AwayNoticeMsg.Parser.ParseFrom(bytes)),
        _ => throw new SerializationException($"unknown Switchboard manifest '{manifest}'"),
    };

    private Registered FromRegistered(RegisteredMsg m) =>
        new(system.Provider.ResolveActorRef(m.Session), m.ClientSeq, m.ServerSeq, m.Node);

    private static Rejected FromRejected(RejectedMsg m) => new(m.Code, m.Error);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static T Header<T>(T m, IReply r) where T : ICountedReplyMsg
    {
        (m.Id, m.Code, m.ClientSeq, m.ServerSeq, m.Error) = (r.Id, r.Code, r.ClientSeq, r.ServerSeq, r.Error ?? "");
        return m;
    }

    // The two list replies: a counted reply's header and its entries, one repeated field.
    private static TMsg ListReply<TMsg, TEntry, TWire>(IReply r, IEnumerable<TEntry> entries, Func<TMsg, RepeatedField<TWire>> list,
        Func<TEntry, TWire> toWire) where TMsg : ICountedReplyMsg, new()
    {
        var m = Header(new TMsg(), r);
        list(m).AddRange(entries.Select(toWire));
        return m;
    }

    private static WhoReplyMsg ToWhoReply(WhoReply r)
    {
        var m = ListReply(r, r.Clients, (WhoReplyMsg m) => m.Clients,
            c => WithUnread(new PresenceEntryMsg { Name = c.Name, Node = c.Node, SinceMs = c.SinceMs }, c.Unread));
        m.More = r.More;
        return m;
    }

    private static WhoReply FromWhoReply(WhoReplyMsg m) =>
        new(m.Id, m.Code, m.ClientSeq, m.ServerSeq, [.. m.Clients.Select(c => new PresenceEntry(c.Name, c.Node, c.SinceMs, UnreadOf(c)))], NullIfEmpty(m.Error), m.More);

    private static RoomsReplyMsg ToRoomsReply(RoomsReply r) => ListReply(r, r.Rooms, (RoomsReplyMsg m) => m.Rooms,
        x => WithUnread(new RoomEntryMsg { Name = x.Name, Members = x.Members, History = x.History }, x.Unread));

    private static RoomsReply FromRoomsReply(RoomsReplyMsg m) =>
        new(m.Id, m.Code, m.ClientSeq, m.ServerSeq, [.. m.Rooms.Select(x => new RoomEntry(x.Name, x.Members, x.History, UnreadOf(x)))], NullIfEmpty(m.Error));

    // The count is on the wire only where it was counted (a reserved name's own list): absent, not 0, otherwise.
    private static TWire WithUnread<TWire>(TWire entry, long? unread) where TWire : IUnreadEntryMsg
    {
        if (unread is { } n) entry.Unread = n;
        return entry;
    }

    private static long? UnreadOf(IUnreadEntryMsg entry) => entry.HasUnread ? entry.Unread : null;

    private static Say FromSay(SayMsg m) => new(m.Id, NullIfEmpty(m.Room), m.Text);
    private static Tell FromTell(TellMsg m) => new(m.Id, m.To, m.Text);
    private static JoinRoom FromJoin(JoinRoomMsg m) => new(m.Id, m.Room);
    private static LeaveRoom FromLeave(LeaveRoomMsg m) => new(m.Id, m.Room);
    private static SetPresence FromSetPresence(SetPresenceMsg m) => new(m.Id, m.On);
    private static Incoming FromIncoming(IncomingMsg m) =>
        new(m.From, m.Text, m.Direct, NullIfEmpty(m.Room), m.Replay, m.MsgId, m.TimeMs, m.Offline);
    private static PresenceEvent FromPresenceEvent(PresenceEventMsg m) => new(m.Name, m.Node, m.Joined);
    private static PresenceEventMsg ToPresenceEvent(PresenceEvent r) => new() { Name = r.Name, Node = r.Node, Joined = r.Joined };

    private static PresenceBatchMsg ToPresenceBatch(PresenceBatch r)
    {
        var m = new PresenceBatchMsg { MoreJoined = r.MoreJoined, MoreLeft = r.MoreLeft };
        foreach (var e in r.Events) m.Events.Add(ToPresenceEvent(e));
        return m;
    }

    private static PresenceBatch FromPresenceBatch(PresenceBatchMsg m) =>
        new([.. m.Events.Select(FromPresenceEvent)], m.MoreJoined, m.MoreLeft);
    private static Dropped FromDropped(DroppedMsg m) => new(m.To, m.Reason, m.Others);

    private static FanoutDropped FromFanoutDropped(DroppedMsg m) => new(m.From, m.To, m.Reason);
    private static Delivered FromDelivered(DeliveredMsg m) => new(m.Id, m.Code, NullIfEmpty(m.Error));

    private Deliver FromDeliver(DeliverMsg m) =>
        new(m.Id, m.From, m.To, m.Text, system.Provider.ResolveActorRef(m.ReplyTo), m.MsgId, m.TimeMs);

    private Fanout FromFanout(FanoutMsg m) =>
        new(m.From, NullIfEmpty(m.Room), m.Text, system.Provider.ResolveActorRef(m.ReplyTo), m.MsgId, m.TimeMs);
}
