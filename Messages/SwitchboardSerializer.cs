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
public sealed class SwitchboardSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4242;
    private const string RegisterM = "reg", RegisteredM = "regd", RejectedM = "rej", UnregisterM = "unreg",
        RequestM = "req", ReplyM = "rep";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        Request => RequestM,
        Reply => ReplyM,
        Register => RegisterM,
        Registered => RegisteredM,
        Rejected => RejectedM,
        Unregister => UnregisterM,
        _ => throw new ArgumentException($"{o.GetType()} is not a Switchboard wire message", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Request r => ToRequest(r).ToByteArray(),
        Reply r => ToReply(r).ToByteArray(),
        Register r => new RegisterMsg { Name = r.Name }.ToByteArray(),
        Registered r => new RegisteredMsg
        {
            Session = Serialization.SerializedActorPath(r.Session), ClientSeq = r.ClientSeq,
            ServerSeq = r.ServerSeq, Node = r.Node,
        }.ToByteArray(),
        Rejected r => new RejectedMsg { Code = r.Code, Error = r.Error }.ToByteArray(),
        Unregister r => new UnregisterMsg { Id = r.Id }.ToByteArray(),
        _ => throw new ArgumentException($"{obj.GetType()} is not a Switchboard wire message", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        RequestM => FromRequest(RequestMsg.Parser.ParseFrom(bytes)),
        ReplyM => FromReply(ReplyMsg.Parser.ParseFrom(bytes)),
        RegisterM => new Register(RegisterMsg.Parser.ParseFrom(bytes).Name),
        RegisteredM => FromRegistered(RegisteredMsg.Parser.ParseFrom(bytes)),
        RejectedM => FromRejected(RejectedMsg.Parser.ParseFrom(bytes)),
        UnregisterM => new Unregister(UnregisterMsg.Parser.ParseFrom(bytes).Id),
        _ => throw new SerializationException($"unknown Switchboard manifest '{manifest}'"),
    };

    private static RequestMsg ToRequest(Request r)
    {
        var m = new RequestMsg { Id = r.Id, Op = r.Op };
        m.Args.AddRange(r.Args);
        return m;
    }

    private static Request FromRequest(RequestMsg m) => new(m.Id, m.Op, [.. m.Args]);

    private static ReplyMsg ToReply(Reply r)
    {
        var m = new ReplyMsg { Id = r.Id, Code = r.Code, ClientSeq = r.ClientSeq, ServerSeq = r.ServerSeq };
        switch (r.Value.Kind)
        {
            case ValueKind.Number: m.Number = r.Value.Number; break;
            case ValueKind.Flag: m.Flag = r.Value.Flag; break;
            case ValueKind.Text: m.Text = r.Value.Text ?? ""; break;
        }
        if (r.Error is not null) m.Error = r.Error;
        return m;
    }

    private static Reply FromReply(ReplyMsg m)
    {
        var value = m.ResultCase switch
        {
            ReplyMsg.ResultOneofCase.Number => OpValue.Of(m.Number),
            ReplyMsg.ResultOneofCase.Flag => OpValue.Of(m.Flag),
            ReplyMsg.ResultOneofCase.Text => OpValue.Of(m.Text),
            _ => OpValue.None,
        };
        return new Reply(m.Id, m.Code, m.ClientSeq, m.ServerSeq, value, m.Error.Length == 0 ? null : m.Error);
    }

    private Registered FromRegistered(RegisteredMsg m) =>
        new(system.Provider.ResolveActorRef(m.Session), m.ClientSeq, m.ServerSeq, m.Node);

    private static Rejected FromRejected(RejectedMsg m) => new(m.Code, m.Error);
}
