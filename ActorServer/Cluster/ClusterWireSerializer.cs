using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The wire format of <see cref="IClusterWireMessage"/>: protobuf fields written and read by hand (as
/// <c>RequestCodec</c> does for requests), one manifest per type. Unknown manifests and malformed bytes are a
/// <see cref="SerializationException"/>, which Akka turns into one dropped message.
/// Every message is signed: its bytes end in an HMAC-SHA256 (first <see cref="MacBytes"/> bytes) over the manifest and
/// the fields, keyed with the cluster secret (<c>switchboard.cluster.secret</c>, base64, set by the host from
/// <c>--cluster-secret-file</c>). A peer that reaches a node's port can speak Akka's cluster protocol, but without the
/// secret it cannot make a name claim or answer, a roster, a sequence lease, or a relayed message that a node accepts.
/// </summary>
public sealed class ClusterWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4243;
    public const int MacBytes = 16;
    public const string SecretPath = "switchboard.cluster.secret";
    private const string ClaimM = "nc", ReleaseM = "nr", AnswerM = "na", LeaseM = "sl", LeasedM = "sd", RosterM = "ro", RelayedM = "rl";

    private readonly byte[] _key = KeyOf(system.Settings.Config.GetString(SecretPath, ""));

    private static byte[] KeyOf(string base64)
    {
        if (string.IsNullOrEmpty(base64)) return [];
        try { return Convert.FromBase64String(base64); }
        catch (FormatException) { throw new Akka.Configuration.ConfigurationException($"{SecretPath} is not base64"); }
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        NameClaim => ClaimM,
        NameRelease => ReleaseM,
        NameAnswer => AnswerM,
        LeaseSeq => LeaseM,
        SeqLeased => LeasedM,
        NodeRoster => RosterM,
        Relayed => RelayedM,
        _ => throw new SerializationException($"not a cluster message: {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj)
    {
        var fields = Fields(obj);
        var signed = new byte[fields.Length + MacBytes];
        fields.CopyTo(signed, 0);
        Mac(Manifest(obj), fields).AsSpan(0, MacBytes).CopyTo(signed.AsSpan(fields.Length));
        return signed;
    }

    private byte[] Mac(string manifest, ReadOnlySpan<byte> fields)
    {
        if (_key.Length == 0) throw new SerializationException($"cluster messages need a secret ({SecretPath}); none is set");
        var data = new byte[Encoding.ASCII.GetByteCount(manifest) + 1 + fields.Length];
        var n = Encoding.ASCII.GetBytes(manifest, data);
        fields.CopyTo(data.AsSpan(n + 1));
        return HMACSHA256.HashData(_key, data);
    }

    private byte[] Fields(object obj)
    {
        using var buffer = new MemoryStream();
        var o = new CodedOutputStream(buffer);
        switch (obj)
        {
            case NameClaim m:
                Text(o, 1, m.Name);
                Text(o, 2, m.Node);
                Number(o, 3, m.Token);
                Text(o, 4, Akka.Serialization.Serialization.SerializedActorPath(m.Owner));
                Number(o, 5, m.Reassert ? 1 : 0);
                break;
            case NameRelease m:
                Text(o, 1, m.Name);
                Text(o, 2, m.Node);
                Number(o, 3, m.Token);
                break;
            case NameAnswer m:
                Text(o, 1, m.Name);
                Number(o, 3, m.Token);
                Number(o, 6, (int)m.Verdict);
                break;
            case LeaseSeq m:
                Text(o, 4, Akka.Serialization.Serialization.SerializedActorPath(m.ReplyTo));
                Number(o, 7, m.Size);
                break;
            case SeqLeased m:
                Number(o, 7, m.First);
                Number(o, 8, m.Count);
                break;
            case NodeRoster m:
                Text(o, 2, m.Node);
                Number(o, 7, m.Version);
                foreach (var e in m.Entries)
                {
                    // Each entry: name, since, claim, as three consecutive fields (9, 10, 11).
                    Text(o, 9, e.Name);
                    Number(o, 10, e.SinceMs);
                    Number(o, 11, e.Claim);
                }
                break;
            case Relayed { Inner: Switchboard.Messages.Deliver or Switchboard.Messages.Fanout } m:
                var inner = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(m.Inner);
                Text(o, 12, inner.Manifest(m.Inner));
                o.WriteTag(13, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(inner.ToBinary(m.Inner)));
                Number(o, 14, inner.Identifier);
                Text(o, 2, m.Origin);
                break;
            default:
                throw new SerializationException($"not a cluster message: {obj.GetType()}");
        }
        o.Flush();
        return buffer.ToArray();
    }

    private static void Text(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    // Every number on this wire is a varint: an int32 or bool written as int64 has the same bytes (negative int32s are
    // sign-extended to ten bytes either way), so readers keep their ReadInt32/ReadBool.
    private static void Number(CodedOutputStream o, int field, long value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (bytes.Length < MacBytes) throw new SerializationException($"cluster message '{manifest}' is not signed");
        var fields = bytes.AsSpan(0, bytes.Length - MacBytes);
        if (!CryptographicOperations.FixedTimeEquals(Mac(manifest, fields).AsSpan(0, MacBytes), bytes.AsSpan(bytes.Length - MacBytes)))
            throw new SerializationException($"cluster message '{manifest}' is not signed with this cluster's secret");
        try
        {
            return Read(fields.ToArray(), manifest);
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
        string innerManifest = "";
        byte[]? innerBytes = null;
        var innerSerializer = 0;
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
                case 12: innerManifest = input.ReadString(); break;
                case 13: innerBytes = input.ReadBytes().ToByteArray(); break;
                case 14: innerSerializer = input.ReadInt32(); break;
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
            RelayedM => new Relayed(Inner(innerSerializer, innerManifest, innerBytes), node),
            _ => throw new SerializationException($"unknown cluster message '{manifest}'"),
        };
    }

    // Only the two messages a registry relays, and only through the project's own serializer.
    private Switchboard.Messages.ISwitchboardMessage Inner(int serializerId, string manifest, byte[]? bytes)
    {
        if (bytes is null || serializerId != Switchboard.Messages.SwitchboardSerializer.Id)
            throw new SerializationException("a relayed message must be in the project's serializer");
        return system.Serialization.Deserialize(bytes, serializerId, manifest) switch
        {
            Switchboard.Messages.Deliver d => d,
            Switchboard.Messages.Fanout f => f,
            var other => throw new SerializationException($"not a relayable message: {other?.GetType().Name}"),
        };
    }

    private IActorRef Resolve(string path) =>
        path.Length == 0 ? throw new SerializationException("missing actor reference") : system.Provider.ResolveActorRef(path);
}

