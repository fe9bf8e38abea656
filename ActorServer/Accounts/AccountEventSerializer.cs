using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace Switchboard.Server.Accounts;

/// <summary>
/// The account events in the journal, in protobuf's encoding (field 1 salt, 2 hash, 3 iterations, 4 reserved since; a
/// login host's field 1 its host), written with
/// Google.Protobuf's primitives. Strict like the wire serializer: an unknown manifest or bad bytes throw, and the
/// account's recovery fails instead of guessing.
/// </summary>
public sealed class AccountEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string ReservedM = "reserved", ChangedM = "changed", ReleasedM = "released", HostM = "login-host";

    /// <summary>Apart from every other serializer of a node (4241 refusing, 4242 wire, 4243 cluster wire): the node side
    /// of a cluster node reads server.hocon too.</summary>
    public const int Id = 4244;
    private const uint SaltTag = 10, HashTag = 18, IterationsTag = 24, SinceTag = 32, HostTag = 10;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        NameReserved => ReservedM,
        PasswordChanged => ChangedM,
        ReservationReleased => ReleasedM,
        LoginHostSeen => HostM,
        _ => throw new ArgumentException($"{o.GetType()} is not an account event", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        NameReserved e => Write(e.Password, e.SinceMs),
        PasswordChanged e => Write(e.Password, 0),
        ReservationReleased => [],
        LoginHostSeen e => WriteHost(e.Host),
        _ => throw new ArgumentException($"{obj.GetType()} is not an account event", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        ReservedM => Reserved(Read(bytes)),
        ChangedM => new PasswordChanged(Read(bytes).Password),
        ReleasedM => ReservationReleased.Instance,
        HostM => ReadHost(bytes),
        _ => throw new System.Runtime.Serialization.SerializationException($"unknown account event manifest '{manifest}'"),
    };

    private static NameReserved Reserved((StoredPassword Password, long SinceMs) read) => new(read.Password, read.SinceMs);

    private static byte[] Write(StoredPassword p, long sinceMs)
    {
        using var buffer = new MemoryStream();
        var o = new CodedOutputStream(buffer);
        o.WriteRawTag((byte)SaltTag);
        o.WriteBytes(ByteString.CopyFrom(p.Salt));
        o.WriteRawTag((byte)HashTag);
        o.WriteBytes(ByteString.CopyFrom(p.Hash));
        o.WriteRawTag((byte)IterationsTag);
        o.WriteInt32(p.Iterations);
        if (sinceMs != 0)
        {
            o.WriteRawTag((byte)SinceTag);
            o.WriteInt64(sinceMs);
        }
        o.Flush();
        return buffer.ToArray();
    }

    // Field 1: the host, a string.
    private static byte[] WriteHost(string host)
    {
        var bytes = new byte[1 + CodedOutputStream.ComputeStringSize(host)];
        var o = new CodedOutputStream(bytes);
        o.WriteRawTag((byte)HostTag);
        o.WriteString(host);
        o.Flush();
        return bytes;
    }

    private static LoginHostSeen ReadHost(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string? host = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == HostTag) host = input.ReadString();
            else input.SkipLastField();
        }
        return string.IsNullOrEmpty(host) ? throw new System.Runtime.Serialization.SerializationException("a login-host event without its host") : new LoginHostSeen(host);
    }

    private static (StoredPassword Password, long SinceMs) Read(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        byte[] salt = [], hash = [];
        var iterations = 0;
        var since = 0L;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case SaltTag: salt = input.ReadBytes().ToByteArray(); break;
                case HashTag: hash = input.ReadBytes().ToByteArray(); break;
                case IterationsTag: iterations = input.ReadInt32(); break;
                case SinceTag: since = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }
        if (salt.Length == 0 || hash.Length == 0 || iterations < 1) throw new System.Runtime.Serialization.SerializationException("an account event without salt, hash or iterations");
        return (new StoredPassword(salt, hash, iterations), since);
    }
}
