using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// DMs between cluster nodes and their answers leave through one link per other node's inbox (<see cref="NodeLinkActor"/>,
/// <see cref="NodeLinks"/>): what reaches a link at once crosses as one signed batch, in the order it was told, within
/// a batch's bounds, and nothing waits on a timer.
/// </summary>
public sealed class NodeLinkSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(
    "one-thread { type = ForkJoinDispatcher, throughput = 100, dedicated-thread-pool { thread-count = 1 } }").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    private const string Origin = "127.0.0.1:4053";

    // Tells the link all it is given in one turn on the link's own (only) thread: the link handles none of it before
    // all of it is in its mailbox, as when many sessions send in one turn of a busy node.
    private sealed class Driver : ReceiveActor
    {
        public Driver(IActorRef link) => Receive<ISwitchboardMessage[]>(all =>
        {
            foreach (var m in all) link.Tell(m);
        });
    }

    private (IActorRef Driver, TestProbe Target, TestProbe Inbox) Link()
    {
        var (target, inbox) = (CreateTestProbe(), CreateTestProbe());
        var link = Sys.ActorOf(NodeLinkActor.Props(target.Ref, inbox.Ref, Origin).WithDispatcher("one-thread"));
        return (Sys.ActorOf(Props.Create(() => new Driver(link)).WithDispatcher("one-thread")), target, inbox);
    }

    private static Deliver Dm(long id, string text = "hi") => new(id, "alice", "bob", text, ActorRefs.Nobody);

    private static RelayedBatch Batch(TestProbe target, TestProbe inbox)
    {
        var batch = target.ExpectMsg<RelayedBatch>();
        Assert.Equal((Origin, inbox.Ref), (batch.Origin, target.LastSender));
        return batch;
    }

    [Fact]
    public void What_reaches_a_link_at_once_crosses_as_one_batch_in_order_and_a_lone_dm_leaves_at_once()
    {
        var (driver, target, inbox) = Link();
        ISwitchboardMessage[] burst = [.. Enumerable.Range(1, 10).Select(i => Dm(i)), new Delivered(77, Codes.Ok, null), Dm(11)];
        driver.Tell(burst);
        Assert.Equal(burst, Batch(target, inbox).Items);
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // Alone, it does not wait for company.
        driver.Tell(new ISwitchboardMessage[] { Dm(12) });
        Assert.Equal([Dm(12)], Batch(target, inbox).Items);
    }

    [Fact]
    public void A_batch_leaves_at_its_limit_of_messages_or_of_text()
    {
        var (driver, target, inbox) = Link();
        var many = Enumerable.Range(1, 2 * NodeLinkActor.MaxItems + 2).Select(i => (ISwitchboardMessage)Dm(i)).ToArray();
        driver.Tell(many);
        var sizes = new List<int>();
        var got = new List<ISwitchboardMessage>();
        while (got.Count < many.Length)
        {
            var items = Batch(target, inbox).Items;
            sizes.Add(items.Length);
            got.AddRange(items);
        }
        Assert.Equal([NodeLinkActor.MaxItems, NodeLinkActor.MaxItems, 2], sizes);
        Assert.Equal(many, got);

        // Twenty DMs of 4,000 characters would pass the node port's frame together: they leave in more than one batch.
        var long4k = new string('x', 4000);
        var big = Enumerable.Range(1, 20).Select(i => (ISwitchboardMessage)Dm(i, long4k)).ToArray();
        driver.Tell(big);
        var first = Batch(target, inbox).Items;
        Assert.InRange(first.Length, 2, 19);
        Assert.True(first.Sum(m => ((Deliver)m).Text.Length * 3) <= NodeLinkActor.MaxBytes, "a batch past its byte bound");
        got = [.. first];
        while (got.Count < big.Length) got.AddRange(Batch(target, inbox).Items);
        Assert.Equal(big, got);
    }

    [Fact]
    public void A_node_has_one_link_per_inbox_none_before_its_own_inbox_and_none_past_its_bound()
    {
        var links = new NodeLinks(Sys, Origin);
        var there = CreateTestProbe().Ref;
        Assert.Null(links.To(there));
        links.Attach(CreateTestProbe().Ref);
        var link = links.To(there);
        Assert.NotNull(link);
        Assert.Same(link, links.To(there));

        while (links.Count < NodeLinks.MaxLinks) Assert.NotNull(links.To(CreateTestProbe().Ref));
        // A member naming ever more reply addresses makes no more links: those messages go unbatched.
        Assert.Null(links.To(CreateTestProbe().Ref));
        Assert.Same(link, links.To(there));
    }

    [Fact]
    public void The_links_to_a_member_that_left_are_stopped_and_made_afresh_if_it_comes_back()
    {
        var links = new NodeLinks(Sys, Origin);
        links.Attach(CreateTestProbe().Ref);
        var there = CreateTestProbe().Ref;
        var link = links.To(there)!;
        Watch(link);
        links.Forget(new Address("akka.ssl.tcp", "switchboard", "127.0.0.9", 4054));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        links.Forget(there.Path.Address);
        ExpectTerminated(link);
        Assert.Equal(0, links.Count);
        var again = links.To(there);
        Assert.NotNull(again);
        Assert.NotEqual(link, again);
    }
}
