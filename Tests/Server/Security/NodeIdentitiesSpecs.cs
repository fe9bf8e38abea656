using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>Which peers are the segment's other nodes: what decides a node link's own bound (max-unsent-bytes-node).</summary>
public sealed class NodeIdentitiesSpecs
{
    private static readonly Address B = new("akka.tcp", "switchboard", "127.0.0.1", 4054);

    [Fact]
    public void A_peer_is_a_node_only_at_a_nodes_address_with_the_uid_that_node_published()
    {
        var nodes = new NodeIdentities();
        nodes.Attach(() => new Dictionary<string, int> { ["127.0.0.1:4054"] = 12345, ["127.0.0.1:4055"] = 0 });

        Assert.True(nodes.IsNode(B, 12345));
        // A client claiming the node's address without its uid, a node that has not published one yet, anyone elsewhere.
        Assert.False(nodes.IsNode(B, 999));
        Assert.False(nodes.IsNode(B.WithPort(4055), 0));
        Assert.False(nodes.IsNode(B.WithPort(5000), 12345));
    }

    [Fact]
    public void Without_a_segment_no_peer_is_a_node()
    {
        Assert.False(new NodeIdentities().IsNode(B, 12345));
    }
}
