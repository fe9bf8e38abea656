using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// How a cluster node's relay keeps its reserved names current from the other nodes' notices, which DistributedPubSub
/// delivers in no set order across publishers and to nobody before the others' mediators have heard of a subscription.
/// A hostile tester found (by reading): an old "reserved since t0" arriving after a release and a new owner's reserve left
/// the node with t0 (the new owner's history there began at the previous owner's time); a name reserved while a node
/// started was unknown to it (DMs to its offline owner 404 there), and her next login there emptied her inbox.
/// </summary>
public sealed class ReservationNoticeSpecs : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TestProbe _inboxes;
    private readonly TestProbe _mediator;
    private readonly TestProbe _heard;
    private readonly ReservedNames _reserved = new();

    public ReservationNoticeSpecs()
    {
        _inboxes = CreateTestProbe();
        _mediator = CreateTestProbe();
        _heard = CreateTestProbe();
        Sys.EventStream.Subscribe(_heard.Ref, typeof(ReservationHeard));
    }

    private IActorRef Relay(Func<CancellationToken, Task<ReservedNames>>? reread = null) =>
        Sys.ActorOf(HistoryRelayActor.Props(CreateTestProbe().Ref, _inboxes.Ref, _mediator.Ref, _reserved, TimeSpan.FromSeconds(5), reread,
            TimeSpan.FromMilliseconds(10)));

    [Fact]
    public void An_older_notice_arriving_after_a_newer_one_changes_nothing()
    {
        var relay = Relay();
        relay.Tell(new ReservationNotice("alice", 1_000, 1)); // the first owner
        relay.Tell(new ReservationNotice("alice", null, 2)); // released
        relay.Tell(new ReservationNotice("alice", 5_000, 3)); // a new owner
        relay.Tell(new ReservationNotice("alice", 1_000, 1)); // the first one again, late (another node's publish)
        relay.Tell(new ReservationNotice("alice", null, 2));
        for (var i = 0; i < 3; i++) Assert.Equal("alice", _heard.ExpectMsg<ReservationHeard>(Wait).Name);
        _heard.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(5_000, _reserved.Since("alice"));
    }

    [Fact]
    public void A_change_this_node_found_late_tells_the_others_but_leaves_the_shared_inbox_alone()
    {
        var relay = Relay();
        _mediator.ExpectMsg<Subscribe>(Wait);
        _reserved.Heard("alice", 5_000, 3);
        relay.Tell(new ReservationChanged("alice", Written: false)); // her account recovered here after a missed notice
        var notice = (ReservationNotice)_mediator.ExpectMsg<Publish>(Wait).Message;
        Assert.Equal(("alice", (long?)5_000, 3L), (notice.Name, notice.SinceMs, notice.Seq));
        _inboxes.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // what was held for her since her reserve stays

        relay.Tell(new ReservationChanged("alice")); // written by this node
        Assert.Equal("alice", _inboxes.ExpectMsg<ClearInbox>(Wait).Owner);
    }

    [Fact]
    public void Once_subscribed_the_node_reads_the_reserved_names_again_and_keeps_what_it_heard_meanwhile()
    {
        _reserved.Heard("bob", 1_000, 2); // read at start; released since, unheard here
        var read = new TaskCompletionSource<ReservedNames>();
        var asked = 0;
        var relay = Relay(_ =>
        {
            Interlocked.Increment(ref asked);
            return read.Task;
        });
        relay.Tell(new SubscribeAck(new Subscribe(HistoryRelayActor.ReservationsTopic, relay)));
        // While the store is read: carol is reserved, and heard of (not in what the read finds).
        AwaitCondition(() => Volatile.Read(ref asked) == 1, Wait);
        relay.Tell(new ReservationNotice("carol", 7_000, 1));
        Assert.Equal("carol", _heard.ExpectMsg<ReservationHeard>(Wait).Name);

        var fresh = new ReservedNames();
        fresh.Heard("alice", 3_000, 4); // reserved while this node started: no notice reached it
        read.SetResult(fresh);

        var told = new[] { _heard.ExpectMsg<ReservationHeard>(Wait).Name, _heard.ExpectMsg<ReservationHeard>(Wait).Name };
        Assert.Equal(["alice", "bob"], told.Order());
        Assert.Equal(3_000, _reserved.Since("alice"));
        Assert.False(_reserved.IsReserved("bob"));
        Assert.Equal(7_000, _reserved.Since("carol"));
    }
}
