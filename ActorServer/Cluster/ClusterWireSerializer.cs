using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The wire format of <see cref="IClusterWireMessage"/>: protobuf fields written and read by hand (as the request
/// path of <c>SwitchboardSerializer</c> does), one manifest per type. Unknown manifests and malformed bytes are a
/// <see cref="SerializationException"/>, which Akka turns into one dropped message.
/// </summary>
public sealed class ClusterWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4243;
    private const string ClaimM = "nc", ReleaseM = "nr", AnswerM = "na", LeaseM = "sl", LeasedM = "sd", RosterM = "ro";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        NameClaim => ClaimM,
        NameRelease => ReleaseM,
        NameAnswer => AnswerM,
        LeaseSeq => LeaseM,
        SeqLeased => LeasedM,
        NodeRoster => RosterM,
        _ => throw new SerializationException($"not a cluster message: {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var buffer = new MemoryStream();
        var o = new CodedOutputStream(buffer);
        switch (obj)
        {
            case NameClaim m:
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(m.Name);
                o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString(m.Node);
                o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(m.Token);
                o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteString(Akka.Serialization.Serialization.SerializedActorPath(m.Owner));
                o.WriteTag(5, WireFormat.WireType.Varint); o.WriteBool(m.Reassert);
                break;
            case NameRelease m:
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(m.Name);
                o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString(m.Node);
                o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(m.Token);
                break;
            case NameAnswer m:
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(m.Name);
                o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(m.Token);
                o.WriteTag(6, WireFormat.WireType.Varint); o.WriteInt32((int)m.Verdict);
                break;
            case LeaseSeq m:
                o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteString(Akka.Serialization.Serialization.SerializedActorPath(m.ReplyTo));
                o.WriteTag(7, WireFormat.WireType.Varint); o.WriteInt64(m.Size);
                break;
            case SeqLeased m:
                o.WriteTag(7, WireFormat.WireType.Varint); o.WriteInt64(m.First);
                o.WriteTag(8, WireFormat.WireType.Varint); o.WriteInt64(m.Count);
                break;
            case NodeRoster m:
                o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString(m.Node);
                o.WriteTag(7, WireFormat.WireType.Varint); o.WriteInt64(m.Version);
                foreach (var e in m.Entries)
                {
                    // Each entry: name, since, claim, as three consecutive fields (9, 10, 11).
                    o.WriteTag(9, WireFormat.WireType.LengthDelimited); o.WriteString(e.Name);
                    o.WriteTag(10, WireFormat.WireType.Varint); o.WriteInt64(e.SinceMs);
                    o.WriteTag(11, WireFormat.WireType.Varint); o.WriteInt64(e.Claim);
                }
                break;
            default:
                throw new SerializationException($"not a cluster message: {obj.GetType()}");
        }
        o.Flush();
        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return Read(bytes, manifest);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SerializationException($"malformed cluster message '{manifest}': {ex.Message}");
        }
    }

    private object Read(byte[] bytes, string manifest)
    {
        var input = new CodedInputStream(bytes);
        string name = "", node = "", owner = "";
        long token = 0, a = 0, b = 0;
        var reassert = false;
        var verdict = 0;
        List<RosterEntry>? entries = manifest == RosterM ? [] : null;
        string? entryName = null;
        long entrySince = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = input.ReadString(); break;
                case 2: node = input.ReadString(); break;
                case 3: token = input.ReadInt64(); break;
                case 4: owner = input.ReadString(); break;
                case 5: reassert = input.ReadBool(); break;
                case 6: verdict = input.ReadInt32(); break;
                case 7: a = input.ReadInt64(); break;
                case 8: b = input.ReadInt64(); break;
                case 9: entryName = input.ReadString(); break;
                case 10: entrySince = input.ReadInt64(); break;
                case 11:
                    var claim = input.ReadInt64();
                    if (entries is null || entryName is null) throw new SerializationException("roster entry out of order");
                    entries.Add(new RosterEntry(entryName, entrySince, claim));
                    entryName = null;
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return manifest switch
        {
            ClaimM => new NameClaim(name, node, token, Resolve(owner), reassert),
            ReleaseM => new NameRelease(name, node, token),
            AnswerM when Enum.IsDefined((NameVerdict)verdict) => new NameAnswer(name, token, (NameVerdict)verdict),
            LeaseM => new LeaseSeq(Resolve(owner), a),
            LeasedM => new SeqLeased(a, b),
            RosterM => new NodeRoster(node, a, [.. entries!]),
            _ => throw new SerializationException($"unknown cluster message '{manifest}'"),
        };
    }

    private IActorRef Resolve(string path) =>
        path.Length == 0 ? throw new SerializationException("missing actor reference") : system.Provider.ResolveActorRef(path);
}
