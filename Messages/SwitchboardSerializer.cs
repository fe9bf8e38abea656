using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;
using Google.Protobuf;
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
        RequestBatchM = "reqb", ReplyBatchM = "repb", AccountM = "acct";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        Request => RequestM,
        Reply => ReplyM,
        RequestBatch => RequestBatchM,
        ReplyBatch => ReplyBatchM,
        Register => RegisterM,
        Registered => RegisteredM,
        Rejected => RejectedM,
        Unregister => UnregisterM,
        Who => WhoM,
        WhoReply => WhoReplyM,
        Say => SayM,
        Tell => TellM,
        JoinRoom => JoinM,
        LeaveRoom => LeaveM,
        ListRooms => RoomsM,
        RoomsReply => RoomsReplyM,
        SetPresence => PresenceM,
        Ack => AckM,
        Incoming => IncomingM,
        PresenceEvent => PresenceEventM,
        PresenceBatch => PresenceBatchM,
        Dropped => DroppedM,
        FanoutDropped => FanoutDroppedM,
        Deliver => DeliverM,
        Delivered => DeliveredM,
        Fanout => FanoutM,
        AccountCommand => AccountM,
        _ => throw new ArgumentException($"{o.GetType()} is not a Switchboard wire message", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Request r => WriteRequest(r),
        Reply r => WriteReply(r),
        RequestBatch b => WriteBatch(b.Requests, SizeOf, Write),
        ReplyBatch b => WriteBatch(b.Replies, SizeOf, Write),
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
        Incoming r => new IncomingMsg { From = r.From, Text = r.Text, Direct = r.Direct, Room = r.Room ?? "", Replay = r.Replay }.ToByteArray(),
        PresenceEvent r => ToPresenceEvent(r).ToByteArray(),
        PresenceBatch r => ToPresenceBatch(r).ToByteArray(),
        Dropped r => new DroppedMsg { To = r.To, Reason = r.Reason }.ToByteArray(),
        FanoutDropped r => new DroppedMsg { To = r.To, Reason = r.Reason, From = r.From }.ToByteArray(),
        Deliver r => new DeliverMsg { Id = r.Id, From = r.From, To = r.To, Text = r.Text, ReplyTo = Serialization.SerializedActorPath(r.ReplyTo) }.ToByteArray(),
        Delivered r => new DeliveredMsg { Id = r.Id, Code = r.Code, Error = r.Error ?? "" }.ToByteArray(),
        Fanout r => new FanoutMsg { From = r.From, Room = r.Room ?? "", Text = r.Text, ReplyTo = Serialization.SerializedActorPath(r.ReplyTo) }.ToByteArray(),
        _ => throw new ArgumentException($"{obj.GetType()} is not a Switchboard wire message", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        RequestM => ReadRequest(bytes),
        ReplyM => ReadReply(bytes),
        RequestBatchM => new RequestBatch(ReadBatch(bytes, ReadRequest)),
        ReplyBatchM => new ReplyBatch(ReadBatch(bytes, ReadReply)),
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
        _ => throw new SerializationException($"unknown Switchboard manifest '{manifest}'"),
    };

    // Request and Reply carry every operation: they are written and read field by field with Google.Protobuf's
    // primitives, byte-for-byte the encoding of RequestMsg / ReplyMsg in switchboard.proto, without building the
    // intermediate message objects. Unknown fields are skipped, as the generated parser does; malformed input throws.
    private const uint IdTag = 8, OpTag = 18, ArgsTag = 26;
    private const uint CodeTag = 16, ClientSeqTag = 24, ServerSeqTag = 32, NumberTag = 40, FlagTag = 48, TextTag = 58, ErrorTag = 66;

    private static byte[] WriteRequest(Request r)
    {
        var bytes = new byte[SizeOf(r)];
        var o = new CodedOutputStream(bytes);
        Write(o, r);
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static int SizeOf(Request r)
    {
        var size = 0;
        if (r.Id != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.Id);
        if (r.Op.Length != 0) size += 1 + CodedOutputStream.ComputeStringSize(r.Op);
        foreach (var a in r.Args) size += 1 + CodedOutputStream.ComputeStringSize(a);
        return size;
    }

    private static void Write(CodedOutputStream o, Request r)
    {
        if (r.Id != 0)
        {
            o.WriteRawTag((byte)IdTag);
            o.WriteInt64(r.Id);
        }
        if (r.Op.Length != 0)
        {
            o.WriteRawTag((byte)OpTag);
            o.WriteString(r.Op);
        }
        foreach (var a in r.Args)
        {
            o.WriteRawTag((byte)ArgsTag);
            o.WriteString(a);
        }
    }

    private static Request ReadRequest(byte[] bytes) => ReadRequest(new CodedInputStream(bytes));

    private static Request ReadRequest(CodedInputStream input)
    {
        long id = 0;
        var op = "";
        string[] args = [];
        var count = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case IdTag: id = input.ReadInt64(); break;
                case OpTag: op = input.ReadString(); break;
                case ArgsTag:
                    if (count == args.Length) Array.Resize(ref args, Math.Max(2, count * 2));
                    args[count++] = input.ReadString();
                    break;
                default: input.SkipLastField(); break;
            }
        }
        if (count != args.Length) Array.Resize(ref args, count);
        return new Request(id, op, args);
    }

    private static byte[] WriteReply(Reply r)
    {
        var bytes = new byte[SizeOf(r)];
        var o = new CodedOutputStream(bytes);
        Write(o, r);
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static int SizeOf(Reply r)
    {
        var size = 0;
        if (r.Id != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.Id);
        if (r.Code != 0) size += 1 + CodedOutputStream.ComputeInt32Size(r.Code);
        if (r.ClientSeq != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.ClientSeq);
        if (r.ServerSeq != 0) size += 1 + CodedOutputStream.ComputeInt64Size(r.ServerSeq);
        switch (r.Value.Kind)
        {
            case ValueKind.Number: size += 1 + CodedOutputStream.ComputeInt64Size(r.Value.Number); break;
            case ValueKind.Flag: size += 2; break;
            case ValueKind.Text: size += 1 + CodedOutputStream.ComputeStringSize(r.Value.Text ?? ""); break;
        }
        if (!string.IsNullOrEmpty(r.Error)) size += 1 + CodedOutputStream.ComputeStringSize(r.Error);
        return size;
    }

    private static void Write(CodedOutputStream o, Reply r)
    {
        if (r.Id != 0)
        {
            o.WriteRawTag((byte)IdTag);
            o.WriteInt64(r.Id);
        }
        if (r.Code != 0)
        {
            o.WriteRawTag((byte)CodeTag);
            o.WriteInt32(r.Code);
        }
        if (r.ClientSeq != 0)
        {
            o.WriteRawTag((byte)ClientSeqTag);
            o.WriteInt64(r.ClientSeq);
        }
        if (r.ServerSeq != 0)
        {
            o.WriteRawTag((byte)ServerSeqTag);
            o.WriteInt64(r.ServerSeq);
        }
        switch (r.Value.Kind)
        {
            case ValueKind.Number:
                o.WriteRawTag((byte)NumberTag);
                o.WriteInt64(r.Value.Number);
                break;
            case ValueKind.Flag:
                o.WriteRawTag((byte)FlagTag);
                o.WriteBool(r.Value.Flag);
                break;
            case ValueKind.Text:
                o.WriteRawTag((byte)TextTag);
                o.WriteString(r.Value.Text ?? "");
                break;
        }
        if (!string.IsNullOrEmpty(r.Error))
        {
            o.WriteRawTag((byte)ErrorTag);
            o.WriteString(r.Error);
        }
    }

    private static Reply ReadReply(byte[] bytes) => ReadReply(new CodedInputStream(bytes));

    private static Reply ReadReply(CodedInputStream input)
    {
        long id = 0, clientSeq = 0, serverSeq = 0;
        var code = 0;
        var value = OpValue.None;
        var error = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case IdTag: id = input.ReadInt64(); break;
                case CodeTag: code = input.ReadInt32(); break;
                case ClientSeqTag: clientSeq = input.ReadInt64(); break;
                case ServerSeqTag: serverSeq = input.ReadInt64(); break;
                case NumberTag: value = OpValue.Of(input.ReadInt64()); break;
                case FlagTag: value = OpValue.Of(input.ReadBool()); break;
                case TextTag: value = OpValue.Of(input.ReadString()); break;
                case ErrorTag: error = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new Reply(id, code, clientSeq, serverSeq, value, error.Length == 0 ? null : error);
    }

    // A batch is field 1 repeated, each item length-delimited (RequestBatchMsg / ReplyBatchMsg), written in one
    // buffer. Reading stops past Limits.MaxBatch items: a peer cannot make us decode an unbounded batch.
    private const uint ItemTag = 10;

    private static byte[] WriteBatch<T>(T[] items, Func<T, int> sizeOf, Action<CodedOutputStream, T> write)
    {
        if (items.Length > Limits.MaxBatch) throw new ArgumentException($"a batch carries at most {Limits.MaxBatch} items, not {items.Length}", nameof(items));
        Span<int> sizes = stackalloc int[items.Length];
        var total = 0;
        for (var i = 0; i < items.Length; i++)
        {
            sizes[i] = sizeOf(items[i]);
            total += 1 + CodedOutputStream.ComputeLengthSize(sizes[i]) + sizes[i];
        }
        var bytes = new byte[total];
        var o = new CodedOutputStream(bytes);
        for (var i = 0; i < items.Length; i++)
        {
            o.WriteRawTag((byte)ItemTag);
            o.WriteLength(sizes[i]);
            write(o, items[i]);
        }
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static T[] ReadBatch<T>(byte[] bytes, Func<CodedInputStream, T> read)
    {
        var input = new CodedInputStream(bytes);
        var items = new List<T>(8);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag != ItemTag)
            {
                input.SkipLastField();
                continue;
            }
            if (items.Count == Limits.MaxBatch) throw new SerializationException($"a batch carries at most {Limits.MaxBatch} items");
            var start = (int)input.Position;
            input.SkipLastField(); // the item: its length, then that many bytes (checked against the buffer)
            var item = new CodedInputStream(bytes, start, (int)input.Position - start);
            item.ReadLength(); // the rest of this stream is the item's fields
            items.Add(read(item));
        }
        return [.. items];
    }

    private Registered FromRegistered(RegisteredMsg m) =>
        new(system.Provider.ResolveActorRef(m.Session), m.ClientSeq, m.ServerSeq, m.Node);

    private static Rejected FromRejected(RejectedMsg m) => new(m.Code, m.Error);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static WhoReplyMsg ToWhoReply(WhoReply r)
    {
        var m = new WhoReplyMsg { Id = r.Id, Code = r.Code, ClientSeq = r.ClientSeq, ServerSeq = r.ServerSeq, Error = r.Error ?? "" };
        foreach (var c in r.Clients) m.Clients.Add(new PresenceEntryMsg { Name = c.Name, Node = c.Node, SinceMs = c.SinceMs });
        return m;
    }

    private static WhoReply FromWhoReply(WhoReplyMsg m) =>
        new(m.Id, m.Code, m.ClientSeq, m.ServerSeq, [.. m.Clients.Select(c => new PresenceEntry(c.Name, c.Node, c.SinceMs))], NullIfEmpty(m.Error));

    private static RoomsReplyMsg ToRoomsReply(RoomsReply r)
    {
        var m = new RoomsReplyMsg { Id = r.Id, Code = r.Code, ClientSeq = r.ClientSeq, ServerSeq = r.ServerSeq, Error = r.Error ?? "" };
        foreach (var x in r.Rooms) m.Rooms.Add(new RoomEntryMsg { Name = x.Name, Members = x.Members, History = x.History });
        return m;
    }

    private static RoomsReply FromRoomsReply(RoomsReplyMsg m) =>
        new(m.Id, m.Code, m.ClientSeq, m.ServerSeq, [.. m.Rooms.Select(x => new RoomEntry(x.Name, x.Members, x.History))], NullIfEmpty(m.Error));

    private static Say FromSay(SayMsg m) => new(m.Id, NullIfEmpty(m.Room), m.Text);
    private static Tell FromTell(TellMsg m) => new(m.Id, m.To, m.Text);
    private static JoinRoom FromJoin(JoinRoomMsg m) => new(m.Id, m.Room);
    private static LeaveRoom FromLeave(LeaveRoomMsg m) => new(m.Id, m.Room);
    private static SetPresence FromSetPresence(SetPresenceMsg m) => new(m.Id, m.On);
    private static Incoming FromIncoming(IncomingMsg m) => new(m.From, m.Text, m.Direct, NullIfEmpty(m.Room), m.Replay);
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
    private static Dropped FromDropped(DroppedMsg m) => new(m.To, m.Reason);

    private static FanoutDropped FromFanoutDropped(DroppedMsg m) => new(m.From, m.To, m.Reason);
    private static Delivered FromDelivered(DeliveredMsg m) => new(m.Id, m.Code, NullIfEmpty(m.Error));

    private Deliver FromDeliver(DeliverMsg m) =>
        new(m.Id, m.From, m.To, m.Text, system.Provider.ResolveActorRef(m.ReplyTo));

    private Fanout FromFanout(FanoutMsg m) =>
        new(m.From, NullIfEmpty(m.Room), m.Text, system.Provider.ResolveActorRef(m.ReplyTo));
}
