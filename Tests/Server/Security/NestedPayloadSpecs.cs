using Akka.Actor;
using Akka.Remote.Serialization;
using Akka.Serialization;

namespace Switchboard.Tests.Server.Security;

/// <summary>Bytes a hostile peer sends as an Akka selection (serializer 6) of its own making.</summary>
public sealed record RawSelection(byte[] Bytes);

/// <summary>Bytes a hostile peer sends as an Akka <see cref="Identify"/> (serializer 16, manifest "ID") of its own making.</summary>
public sealed record RawIdentify(byte[] Bytes);

/// <summary>Akka's container serializer for everything else, and <see cref="RawSelection"/> as the bytes the attacker chose.</summary>
public sealed class RawSelectionSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private readonly MessageContainerSerializer _real = new(system);

    public override int Identifier => _real.Identifier;
    public override bool IncludeManifest => _real.IncludeManifest;
    public override byte[] ToBinary(object obj) => obj is RawSelection r ? r.Bytes : _real.ToBinary(obj);
    public override object FromBinary(byte[] bytes, Type type) => _real.FromBinary(bytes, type);
}

/// <summary>Akka's misc serializer for everything else, and <see cref="RawIdentify"/> as the bytes the attacker chose.</summary>
public sealed class RawMiscSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly MiscMessageSerializer _real = new(system);

    public override int Identifier => _real.Identifier;
    public override string Manifest(object o) => o is RawIdentify ? "ID" : _real.Manifest(o);
    public override byte[] ToBinary(object obj) => obj is RawIdentify r ? r.Bytes : _real.ToBinary(obj);
    public override object FromBinary(byte[] bytes, string manifest) => _real.FromBinary(bytes, manifest);
}

/// <summary>
/// Hostile tester (2026-12-07, hA): Akka decodes what a selection, an <see cref="Identify"/> or an
/// <see cref="ActorIdentity"/> encloses with the serializer the peer names there, a container again if it says so, one
/// stack level further each time, before anything judges it. One frame of 120 KB, selections nested 20,000 deep sent
/// to the root (or Identifies to the remote watcher), overflowed the stack of the thread reading it: "Stack overflow."
/// and the node was gone, for a stranger that never registered.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class NestedPayloadSpecs
{
    internal const string RawSerializers = """
        akka.actor.serializers.akka-containers = "Switchboard.Tests.Server.Security.RawSelectionSerializer, Tests"
        akka.actor.serializers.akka-misc = "Switchboard.Tests.Server.Security.RawMiscSerializer, Tests"
        akka.actor.serialization-bindings {
          "Switchboard.Tests.Server.Security.RawSelection, Tests" = akka-containers
          "Switchboard.Tests.Server.Security.RawIdentify, Tests" = akka-misc
        }
        """;

    /// <summary><paramref name="depth"/> containers (ContainerFormats.proto: SelectionEnvelope and Identify alike carry a
    /// Payload {message 1, serializerId 2, messageManifest 3} as their field 1), each enclosing the next as a message of
    /// <paramref name="serializerId"/> (and <paramref name="manifest"/>); the innermost encloses nothing. Written back to
    /// front, so each length is known when its field is.</summary>
    internal static byte[] Nested(int depth, int serializerId, string manifest = "")
    {
        var buffer = new byte[depth * (12 + manifest.Length)];
        var start = buffer.Length;
        void Prepend(params byte[] bytes) => bytes.CopyTo(buffer, start -= bytes.Length);
        void PrependLength(int length)
        {
            var varint = new List<byte>();
            for (var v = (uint)length; ; v >>= 7)
            {
                if (v < 0x80) { varint.Add((byte)v); break; }
                varint.Add((byte)(v | 0x80));
            }
            Prepend([.. varint]);
        }
        for (var level = 0; level < depth; level++)
        {
            var inner = buffer.Length - start;
            PrependLength(inner);
            Prepend(0x0A); // Payload.message
            if (manifest.Length > 0)
            {
                Prepend(System.Text.Encoding.ASCII.GetBytes(manifest));
                PrependLength(manifest.Length);
                Prepend(0x1A); // Payload.messageManifest
            }
            Prepend(0x10, (byte)serializerId); // Payload.serializerId (both ids are under 128)
            PrependLength(buffer.Length - start);
            Prepend(0x0A); // the container's payload
        }
        return buffer[start..];
    }

    [Fact]
    public Task Selections_nested_deep_in_one_frame_are_refused_and_the_node_serves_on() =>
        ServesOnAfterAsync((mallory, node) => mallory.Ref(node, "/").Tell(new RawSelection(Nested(20_000, 6))));

    [Fact]
    public Task Identifies_nested_deep_in_one_frame_are_refused_and_the_node_serves_on() =>
        ServesOnAfterAsync((mallory, node) => mallory.Ref(node, "/system/remote-watcher").Tell(new RawIdentify(Nested(20_000, 16, "ID")), mallory.Inbox.Receiver));

    [Fact]
    public async Task A_selection_carrying_an_identify_is_still_read()
    {
        await using var server = await ServerNode.StartAsync();
        using var mallory = new HostilePeer(RawSerializers);
        var node = $"switchboard@{server.Address}";
        // Two levels: a selection of the gateway carrying a Register, as every client sends, and an Identify with a plain id.
        Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("plain")));
        mallory.Ref(node, "/system/remote-watcher").Tell(new Identify("plain-id"), mallory.Inbox.Receiver);
        while (true)
            if (await mallory.Inbox.ReceiveAsync(TimeSpan.FromSeconds(30).Scaled()) is ActorIdentity { MessageId: "plain-id" }) break;
    }

    /// <summary>Runs the attack, then registers over the same association: read after the attack, so answered only if the
    /// node took the attack in and went on; and another client is served.</summary>
    private static async Task ServesOnAfterAsync(Action<HostilePeer, string> attack)
    {
        await using var server = await ServerNode.StartAsync();
        using var mallory = new HostilePeer(RawSerializers);
        attack(mallory, $"switchboard@{server.Address}");
        Assert.IsType<Registered>(await mallory.RegisterAsync(server, new Register("after")));
        await using var alice = await server.ConnectAsync("alice");
        Assert.Equal(200, (await alice.SendAsync("prime 7")).GetProperty("code").GetInt32());
        Assert.False(server.Process.HasExited);
        Assert.DoesNotContain("Stack overflow", server.Process.StdErr);
    }
}
