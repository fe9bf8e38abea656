using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using FsGen = FsCheck.FSharp.Gen;

namespace Switchboard.Tests.Messages;

/// <summary>A payload for one manifest: random bytes, or a real message's bytes mutated.</summary>
public sealed record FuzzPayload(string Manifest, byte[] Bytes, string How)
{
    public override string ToString() => $"{Manifest} [{How}] {Convert.ToHexString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 64)))}{(Bytes.Length > 64 ? "..." : "")} ({Bytes.Length} bytes)";
}

/// <summary>One edit of a byte array; positions wrap around its length.</summary>
public readonly record struct Mutation(int Kind, int Position, byte Value);

/// <summary>The serializer under test: a real (local) actor system, so actor paths resolve as in production.</summary>
public static class FuzzSerializer
{
    static readonly Lazy<(ActorSystem System, SwitchboardSerializer Serializer)> Instance = new(() =>
    {
        var system = ActorSystem.Create("fuzz", ActorTestConfig.Server());
        return (system, new SwitchboardSerializer((ExtendedActorSystem)system));
    });

    public static SwitchboardSerializer Serializer => Instance.Value.Serializer;
    public static IActorRef SomeActor => Instance.Value.System.DeadLetters;

    /// <summary>Every manifest the serializer knows (its private string constants).</summary>
    public static readonly string[] Manifests = typeof(SwitchboardSerializer)
        .GetFields(BindingFlags.NonPublic | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .OrderBy(m => m, StringComparer.Ordinal)
        .ToArray();

    /// <summary>One real message of every manifest, fields set (strings with non-ASCII, negative numbers, arrays).</summary>
    public static IReadOnlyList<ISwitchboardMessage> Samples() =>
    [
        new Register("alice"), new Register("alice", "token ✓", "pässword"), new AccountCommand(21, AccountAction.ChangePassword, "old ✓", "new"),
        new Registered(SomeActor, 1, 42, "127.0.0.1:4053"), new Rejected(409, "name taken: é✓"),
        new Unregister(7), new Request(-9, "calc", ["1", "+", "2", "ünïcode"]), new Reply(3, 200, 2, 99, OpValue.Of(long.MinValue), null),
        new Reply(4, 422, 3, 100, OpValue.Of("text ✓"), "bad"), new Who(5),
        new WhoReply(6, 200, 4, 101, [new PresenceEntry("bob", "n1", 12345), new PresenceEntry("carol", "n2", -1)], null),
        new Say(8, "#room", "hello ✓"), new Say(9, null, "hi"), new Tell(10, "bob", "psst"), new JoinRoom(11, "#r"),
        new LeaveRoom(12, "#r"), new ListRooms(13), new RoomsReply(14, 200, 5, 102, [new RoomEntry("#r", 2, 10)], "err"),
        new SetPresence(15, true), new Ack(16), new Incoming("bob", "yo", true, "#r", false), new Incoming("bob", "kept", true, null, false, 7, 1_700_000_000_000, Offline: true),
        new PresenceEvent("bob", "n1", true), new PresenceBatch([new PresenceEvent("a", "n", true), new PresenceEvent("b", "n", false)], 3, 4),
        new Dropped("bob", "offline"), new FanoutDropped("alice", "bob", "slow ✓"), new Deliver(17, "alice", "bob", "text", SomeActor), new Delivered(18, 404, "gone"),
        new Fanout("alice", "#r", "to all", SomeActor), new Fanout("alice", "#r", "kept", SomeActor, 3, 1_700_000_000_000),
        new HistoryQuery(22, "#r", HistoryAnchor.Around, 5, 10), new ChatCommand(23, "markread", ["bob", "9", "ünï ✓"]), new ChatCommand(25, "", []),
        new HistoryReply(24, 200, 8, 105, "bob", [new ChatLine(1, "bob", "hi ✓", 1_700_000_000_000)], 3, 9, null),
        new AwayNotice(2, [new UnreadEntry("bob", 2), new UnreadEntry("#r", 5)], 3), new AwayNotice(0, [], Unfetched: true),
        new RequestBatch([new Request(19, "add", ["1", "2"]), new Request(20, "prime", ["7"])]), new ReplyBatch([new Reply(19, 200, 6, 103, OpValue.Of(3), null), new Reply(20, 422, 7, 104, OpValue.None, "bad")]),
    ];

    /// <summary>The message type each manifest decodes to: what an empty (all-defaults) payload of it decodes as.</summary>
    public static readonly Lazy<Dictionary<string, Type>> TypeOf = new(() =>
        Manifests.ToDictionary(m => m, m => Serializer.FromBinary([], m).GetType()));

    /// <summary>Runs FromBinary off-thread with a (scaled) deadline: the outcome, never a hang (a stuck decoder fails the property).</summary>
    public static (object? Result, Exception? Error) Decode(byte[] bytes, string manifest, TimeSpan deadline)
    {
        var task = Task.Run(() => Serializer.FromBinary(bytes, manifest));
        try { task.Wait(deadline.Scaled(), CancellationToken.None); }
        catch (AggregateException) { } // faulted: looked at below
        if (!task.IsCompleted)
            throw new TimeoutException($"FromBinary({manifest}, {bytes.Length} bytes) did not return within {deadline.TotalSeconds} s");
        return task.IsCompletedSuccessfully ? (task.Result, null) : (null, task.Exception!.InnerException);
    }

    /// <summary>The exceptions a malformed payload may raise: Akka.Remote drops that one message.</summary>
    public static bool IsExpectedRefusal(Exception e) =>
        e is SerializationException or InvalidProtocolBufferException or ArgumentException;
}

public static class SerializerArbitraries
{
    static Gen<string> Manifest() => Gen.Frequency(
        (8, Gen.Elements(FuzzSerializer.Manifests)),
        (1, Gen.Elements("", "REQ", "req ", "unknown", "\0", "reg\u0000", "é")),
        (1, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)));

    static Gen<byte[]> RandomBytes() => Gen.Frequency(
        (6, ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is not null)),
        (2, FsGen.Choose(0, 4096).SelectMany(n => Gen.ArrayOf(Gen.Elements<byte>(0x00, 0x01, 0x08, 0x0A, 0x12, 0x1A, 0x22, 0x7F, 0x80, 0xFF), n))),
        (1, FsGen.Choose(0, 200).Select(n => Enumerable.Repeat((byte)0xFF, n).ToArray())));

    public static Arbitrary<FuzzPayload> Payload() => Gen.Frequency(
        (1, from m in Manifest() from b in RandomBytes() select new FuzzPayload(m, b, "random")),
        (1, from i in FsGen.Choose(0, FuzzSerializer.Samples().Count - 1)
            from edits in Gen.NonEmptyListOf(Mutation())
            select Mutated(i, edits.ToArray()))).ToArbitrary();

    static Gen<Mutation> Mutation() =>
        from kind in FsGen.Choose(0, 4)
        from pos in FsGen.Choose(0, int.MaxValue)
        from value in Gen.Elements<byte>(0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x1A, 0x08, 0x05)
        select new Mutation(kind, pos, value);

    static FuzzPayload Mutated(int sample, Mutation[] edits)
    {
        var message = FuzzSerializer.Samples()[sample];
        var manifest = FuzzSerializer.Serializer.Manifest(message);
        var bytes = new List<byte>(FuzzSerializer.Serializer.ToBinary(message));
        foreach (var e in edits)
        {
            var at = bytes.Count == 0 ? 0 : e.Position % bytes.Count;
            switch (e.Kind)
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << (e.Value & 7)); break; // flip a bit
                case 1: bytes.Insert(bytes.Count == 0 ? 0 : e.Position % (bytes.Count + 1), e.Value); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                case 3 when bytes.Count > 0: bytes[at] = e.Value; break; // overwrite
                case 4: bytes.RemoveRange(at, bytes.Count - at); break; // truncate
            }
        }
        return new FuzzPayload(manifest, [.. bytes], $"{message.GetType().Name} with {edits.Length} edits");
    }
}

/// <summary>
/// Whatever bytes a peer sends under whatever manifest, <see cref="SwitchboardSerializer.FromBinary"/> returns a message
/// of the manifest's type or throws one of the refusals Akka.Remote handles by dropping that message: never null, never
/// another exception type, never a hang, and a declared length larger than the payload never allocates it.
/// </summary>
[Properties(Arbitrary = [typeof(SerializerArbitraries)], MaxTest = 2000)]
public sealed class SerializerFuzzProperties
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void Every_manifest_is_fuzzed_and_each_decodes_to_its_own_type()
    {
        Assert.True(FuzzSerializer.Manifests.Length >= 23, string.Join(",", FuzzSerializer.Manifests));
        foreach (var m in FuzzSerializer.Samples())
        {
            var manifest = FuzzSerializer.Serializer.Manifest(m);
            Assert.Contains(manifest, FuzzSerializer.Manifests);
            Assert.Equal(m.GetType(), FuzzSerializer.TypeOf.Value[manifest]);
            Assert.IsType(m.GetType(), FuzzSerializer.Serializer.FromBinary(FuzzSerializer.Serializer.ToBinary(m), manifest));
        }
        Assert.Equal(FuzzSerializer.Manifests.Order(), FuzzSerializer.Samples().Select(FuzzSerializer.Serializer.Manifest).Distinct().Order());
    }

    [Property]
    public Property Any_payload_decodes_to_the_manifests_type_or_is_refused(FuzzPayload p)
    {
        var (result, error) = FuzzSerializer.Decode(p.Bytes, p.Manifest, Deadline);
        if (error is not null)
            return FuzzSerializer.IsExpectedRefusal(error).Label($"unexpected {error.GetType().Name}: {error.Message}");
        var known = FuzzSerializer.TypeOf.Value.TryGetValue(p.Manifest, out var type);
        return (known && result is not null && result.GetType() == type)
            .Label(known ? $"decoded as {result?.GetType().Name ?? "null"}, expected {type!.Name}" : $"unknown manifest '{p.Manifest}' decoded as {result}");
    }

    /// <summary>Every length-delimited field (numbers 1–15) of every manifest declares ~2 GB (or a negative length)
    /// in a 10-byte payload: refused, allocating next to nothing (the allocation, not the time, is measured).</summary>
    [Fact]
    public void A_tiny_payload_declaring_a_huge_length_is_refused_without_allocating_it()
    {
        byte[][] lengths =
        [
            [0xFF, 0xFF, 0xFF, 0xFF, 0x07],                         // int.MaxValue
            [0x80, 0x80, 0x80, 0x80, 0x08],                         // 2^31: negative as an int
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // a 64-bit varint
        ];
        foreach (var manifest in FuzzSerializer.Manifests)
            for (var field = 1; field <= 15; field++)
                foreach (var length in lengths)
                {
                    byte[] payload = [(byte)((field << 3) | 2), .. length, 0x41, 0x42];
                    var before = GC.GetAllocatedBytesForCurrentThread();
                    Exception? error = null;
                    object? result = null;
                    try { result = FuzzSerializer.Serializer.FromBinary(payload, manifest); }
                    catch (Exception e) { error = e; }
                    var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    var where = $"{manifest} field {field}, length {Convert.ToHexString(length)}";
                    Assert.True(error is not null, $"{where}: decoded as {result}");
                    Assert.True(FuzzSerializer.IsExpectedRefusal(error), $"{where}: {error.GetType().Name}: {error.Message}");
                    Assert.True(allocated < 256 * 1024, $"{where}: allocated {allocated} bytes");
                }
    }

    [Fact]
    public void A_payload_nested_deeper_than_the_recursion_limit_is_refused()
    {
        // field 4 of WhoReply / RoomsReply / PresenceBatch is a message: nest 2,000 levels of it (the limit is 100)
        var nested = Array.Empty<byte>();
        for (var i = 0; i < 2_000; i++)
            nested = [(byte)((4 << 3) | 2), .. Varint(nested.Length), .. nested];
        foreach (var manifest in FuzzSerializer.Manifests)
        {
            var (result, error) = FuzzSerializer.Decode(nested, manifest, Deadline);
            Assert.True(error is null ? result?.GetType() == FuzzSerializer.TypeOf.Value[manifest] : FuzzSerializer.IsExpectedRefusal(error),
                $"{manifest}: {error?.GetType().Name} {error?.Message}");
        }
    }

    static byte[] Varint(int n)
    {
        var bytes = new List<byte>();
        var v = (uint)n;
        while (v >= 0x80) { bytes.Add((byte)(v | 0x80)); v >>= 7; }
        bytes.Add((byte)v);
        return [.. bytes];
    }
}
