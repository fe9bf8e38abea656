using Akka.TestKit.Xunit2;
using Switchboard.Server.Registry;

namespace Switchboard.Tests.Server.Registry;

/// <summary>
/// A <c>who</c> answer crosses to the client in one remoting frame (512,000 bytes), sized for one segment's 4,096 clients.
/// In cluster mode it lists every node's clients, up to 4,096 a node: with three full nodes the answer was larger than
/// a frame, so the transport dropped it and nobody's <c>who</c> was answered (a hostile tester's finding).
/// </summary>
public sealed class WhoListingSpecs() : TestKit(ActorTestConfig.Server())
{
    private static readonly long Frame = ServerSettings.Load(null).Hocon.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")!.Value;

    private static PresenceEntry[] Online(int nodes, string host) =>
        [.. Enumerable.Range(0, nodes * 4096)
            .Select(i => new PresenceEntry($"{i:D8}".PadRight(Limits.MaxNameLength, 'x'), $"{host}{i % nodes}.example.internal:4053", long.MaxValue, long.MaxValue))
            .OrderBy(e => e.Name, StringComparer.Ordinal)];

    private byte[] Wire(PresenceEntry[] online)
    {
        var (listed, more) = WhoListing.Fit(online);
        Assert.Equal(online.Length, listed.Length + more);
        Assert.Equal(online.Take(listed.Length), listed); // the first by name, in order
        var reply = new WhoReply(long.MaxValue, Codes.Ok, long.MaxValue, long.MaxValue, listed, null, more);
        var serializer = Sys.Serialization.FindSerializerFor(reply);
        var bytes = serializer.ToBinary(reply);
        var back = (WhoReply)Sys.Serialization.Deserialize(bytes, serializer.Identifier, ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(reply));
        Assert.Equal(more, back.More);
        return bytes;
    }

    [Fact]
    public void A_who_of_three_full_cluster_nodes_fits_one_frame_and_counts_those_it_leaves_out()
    {
        var online = Online(3, "a-long-node-host-name-");
        var bytes = Wire(online);
        Assert.True(bytes.Length < Frame - 4096, $"who is {bytes.Length} bytes; a frame is at most {Frame}, with the envelope's paths");
    }

    [Fact]
    public void A_full_single_host_segment_is_listed_whole()
    {
        var online = Online(1, "h");
        Wire(online);
        Assert.Equal(online.Length, WhoListing.Fit(online).Listed.Length);
    }
}
