using System.Collections.Concurrent;
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
/// The sharded history's messages are protobuf messages of their own (<see cref="HistoryWireCodec"/>), signed the same way.
/// </summary>
public sealed class ClusterWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4243;
    public const int MacBytes = 16;
    public const string SecretPath = "switchboard.cluster.secret";
    private const string ClaimM = "nc", ReleaseM = "nr", AnswerM = "na", LeaseM = "sl", LeasedM = "sd", RosterM = "ro", RelayedM = "rl", BatchM = "rb";

    private readonly byte[] _key = KeyOf(system.Settings.Config.GetString(SecretPath, ""));

    private static byte[] KeyOf(string base64)
    {
        if (string.IsNullOrEmpty(base64)) return [];
        try { return Convert.FromBase64String(base64); }
        catch (FormatException) { throw new Akka.Configuration.ConfigurationException($"{SecretPath} is not base64"); }
    }

    public override int Identifier => Id;

    private static readonly ManifestTable Manifests = HistoryWireCodec.Add(new ManifestTable())
        .Add<NameClaim>(ClaimM)
        .Add<NameRelease>(ReleaseM)
        .Add<NameAnswer>(AnswerM)
        .Add<LeaseSeq>(LeaseM)
        .Add<SeqLeased>(LeasedM)
        .Add<NodeRoster>(RosterM)
        .Add<Relayed>(RelayedM)
        .Add<RelayedBatch>(BatchM);

    public override string Manifest(object o) => Manifests.TryGet(o, out var manifest) ? manifest
        : throw new SerializationException($"not a cluster message: {o.GetType()}");

    public override byte[] ToBinary(object obj)
    {
        var fields = Fields(obj);
        var signed = new byte[fields.Length + MacBytes];
        fields.CopyTo(signed, 0);
        Span<byte> mac = stackalloc byte[32];
        Mac(Manifest(obj), fields, mac);
        mac[..MacBytes].CopyTo(signed.AsSpan(fields.Length));
        return signed;
    }

    // Keyed HMACs to reuse: one made per call cost twice the hash itself (~1 µs for a batch of DMs, at each end).
    private readonly ConcurrentBag<IncrementalHash> _macs = [];

    private void Mac(string manifest, ReadOnlySpan<byte> fields, Span<byte> into)
    {
        if (_key.Length == 0) throw new SerializationException($"cluster messages need a secret ({SecretPath}); none is set");
        // The manifest a peer sends may be of any length (a frame's): only ours fit on the stack.
        var length = Encoding.ASCII.GetByteCount(manifest) + 1;
        Span<byte> prefix = length <= 64 ? stackalloc byte[length] : new byte[length];
        Encoding.ASCII.GetBytes(manifest, prefix);
        prefix[^1] = 0;
        if (!_macs.TryTake(out var mac)) mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        mac.AppendData(prefix);
        mac.AppendData(fields);
        mac.GetHashAndReset(into);
        _macs.Add(mac);
    }

    private byte[] Fields(object obj)
    {
        if (HistoryWireCodec.Carries(obj)) return HistoryWireCodec.Write(obj);
        if (obj is RelayedBatch batch) return RelayBatchCodec.Write(batch);
        var w = new ClusterFieldWriter();
        _ = obj switch
        {
            NameClaim m => Keys(w.Text(1, m.Name).Text(2, m.Node).Number(3, m.Token).Text(4, PathOf(m.Owner)).Number(5, m.Reassert ? 1 : 0), m),
            NameRelease m => w.Text(1, m.Name).Text(2, m.Node).Number(3, m.Token),
            NameAnswer m => w.Text(1, m.Name).Number(3, m.Token).Number(6, (int)m.Verdict),
            LeaseSeq m => w.Text(4, PathOf(m.ReplyTo)).Number(7, m.Size),
            SeqLeased m => w.Number(7, m.First).Number(8, m.Count),
            NodeRoster m => Entries(w.Text(2, m.Node).Number(7, m.Version).Text(4, m.Inbox is null ? "" : PathOf(m.Inbox)), m.Entries),
            Relayed { Inner: Switchboard.Messages.Deliver or Switchboard.Messages.Fanout } m => Inner(w, m.Inner).Text(2, m.Origin),
            _ => throw new SerializationException($"not a cluster message: {obj.GetType()}"),
        };
        return w.ToArray();
    }

    // A claim's keys (15, 16), written only when there are any: a node that does not know the fields skips them.
    private static ClusterFieldWriter Keys(ClusterFieldWriter w, NameClaim m)
    {
        if (m.Key is not null) w.Bytes(15, m.Key.Digest);
        if (m.Presented is not null) w.Bytes(16, m.Presented.Digest);
        return w;
    }

    // Each entry: name, since, claim, as three consecutive fields (9, 10, 11).
    private static ClusterFieldWriter Entries(ClusterFieldWriter w, IEnumerable<RosterEntry> entries)
    {
        foreach (var e in entries) w.Text(9, e.Name).Number(10, e.SinceMs).Number(11, e.Claim);
        return w;
    }

    // An inner message as three consecutive fields: manifest (12), bytes (13), serializer (14), which ends it.
    private ClusterFieldWriter Inner(ClusterFieldWriter w, Switchboard.Messages.ISwitchboardMessage inner)
    {
        var serializer = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(inner);
        return w.Text(12, serializer.Manifest(inner)).Bytes(13, serializer.ToBinary(inner)).Number(14, serializer.Identifier);
    }

    private static string PathOf(IActorRef actor) => Akka.Serialization.Serialization.SerializedActorPath(actor);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (bytes.Length < MacBytes) throw new SerializationException($"cluster message '{manifest}' is not signed");
        var fields = bytes.AsSpan(0, bytes.Length - MacBytes);
        Span<byte> mac = stackalloc byte[32];
        Mac(manifest, fields, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacBytes], bytes.AsSpan(bytes.Length - MacBytes)))
            throw new SerializationException($"cluster message '{manifest}' is not signed with this cluster's secret");
        try
        {
            if (manifest == BatchM) return RelayBatchCodec.Read(fields, Resolve);
            return HistoryWireCodec.Reads(manifest) ? HistoryWireCodec.Read(manifest, fields.ToArray()) : Read(fields.ToArray(), manifest);
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
        ClaimKey? key = null, presented = null;
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
                case 15: key = ClaimKey.Read(input.ReadBytes().Span); break;
                case 16: presented = ClaimKey.Read(input.ReadBytes().Span); break;
                default: input.SkipLastField(); break;
            }
        }
        return manifest switch
        {
            ClaimM => new NameClaim(name, node, token, Resolve(owner), reassert, key, presented),
            ReleaseM => new NameRelease(name, node, token),
            AnswerM when Enum.IsDefined((NameVerdict)verdict) => new NameAnswer(name, token, (NameVerdict)verdict),
            LeaseM => new LeaseSeq(Resolve(owner), a),
            LeasedM => new SeqLeased(a, b),
            RosterM => new NodeRoster(node, a, [.. entries!], owner.Length == 0 ? null : Resolve(owner)),
            RelayedM => new Relayed(Inner(innerSerializer, innerManifest, innerBytes), node),
            _ => throw new SerializationException($"unknown cluster message '{manifest}'"),
        };
    }

    // Only the two messages a registry relays, and only through the project's own serializer.
    private Switchboard.Messages.ISwitchboardMessage Inner(int serializerId, string manifest, byte[]? bytes) =>
        Ours(serializerId, manifest, bytes) switch
        {
            Switchboard.Messages.Deliver d => d,
            Switchboard.Messages.Fanout f => f,
            var other => throw new SerializationException($"not a relayable message: {other?.GetType().Name}"),
        };

    private object? Ours(int serializerId, string manifest, byte[]? bytes) =>
        bytes is null || serializerId != Switchboard.Messages.SwitchboardSerializer.Id
            ? throw new SerializationException("a relayed message must be in the project's serializer")
            : system.Serialization.Deserialize(bytes, serializerId, manifest);

    private IActorRef Resolve(string path) =>
        path.Length == 0 ? throw new SerializationException("missing actor reference") : system.Provider.ResolveActorRef(path);
}

