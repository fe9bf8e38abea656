namespace Switchboard.Tests.Server.Registry;

/// <summary>Who came and went between two looks, and what each client hears of it.</summary>
public sealed class PresenceSpecs
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static ClientEntry Client(string name, long claim, string node = "n:1") => new(name, node, 0, T0, claim);

    private static StateSnapshot Snapshot(params ClientEntry[] clients) => new(
        [new NodeEntry("n:1", 1, true, T0, T0), new NodeEntry("n:2", 2, false, T0, T0)], clients, 0, 0, 0);

    [Fact]
    public void The_first_look_only_learns_who_is_there()
    {
        var change = new PresenceTracker().Observe(Snapshot(Client("alice", 1), Client("bob", 2)));
        Assert.Empty(change.Joined);
        Assert.Empty(change.Left);
    }

    [Fact]
    public void Later_looks_report_who_came_and_who_went_and_the_live_nodes()
    {
        var tracker = new PresenceTracker();
        tracker.Observe(Snapshot(Client("alice", 1), Client("bob", 2)));
        var change = tracker.Observe(Snapshot(Client("bob", 2), Client("carol", 3)));
        Assert.Equal(["carol"], change.Joined.Select(c => c.Name));
        Assert.Equal(["alice"], change.Left.Select(c => c.Name));
        Assert.Equal(["n:1"], change.Nodes);
        var quiet = tracker.Observe(Snapshot(Client("bob", 2), Client("carol", 3)));
        Assert.Empty(quiet.Joined.Concat(quiet.Left));
    }

    [Fact]
    public void A_name_that_left_and_came_back_between_two_looks_is_no_change()
    {
        var tracker = new PresenceTracker();
        tracker.Observe(Snapshot(Client("alice", 1)));
        var change = tracker.Observe(Snapshot(Client("alice", 7)));
        Assert.Empty(change.Joined.Concat(change.Left));
    }

    [Fact]
    public void A_snapshot_holding_a_name_twice_does_not_break_the_look()
    {
        var tracker = new PresenceTracker();
        tracker.Observe(Snapshot());
        var change = tracker.Observe(Snapshot(Client("twin", 1), Client("twin", 2)));
        Assert.Equal(["twin"], change.Joined.Select(c => c.Name));
    }

    [Fact]
    public void A_client_hears_nothing_of_itself_nor_of_those_online_before_it()
    {
        var change = new PresenceChanged([Client("early", 4), Client("me", 5), Client("later", 6)], [Client("me", 5)], new HashSet<string>());
        var batch = PresenceBatcher.For(change, "me", ownClaim: 5);
        Assert.NotNull(batch);
        Assert.Equal([("later", true)], batch.Events.Select(e => (e.Name, e.Joined)));
        Assert.Null(PresenceBatcher.For(new PresenceChanged([Client("early", 4)], [], new HashSet<string>()), "me", 5));
    }

    [Fact]
    public void A_batch_names_a_few_and_counts_the_rest_joined_first()
    {
        var joined = Enumerable.Range(0, 20).Select(i => Client($"j{i}", 100 + i)).ToArray();
        var left = Enumerable.Range(0, 5).Select(i => Client($"l{i}", i)).ToArray();
        var batch = PresenceBatcher.For(new PresenceChanged(joined, left, new HashSet<string>()), "me", 50)!;
        Assert.Equal(Limits.MaxPresenceNames, batch.Events.Length);
        Assert.All(batch.Events, e => Assert.True(e.Joined));
        Assert.Equal((4, 5), (batch.MoreJoined, batch.MoreLeft));
    }

    [Fact]
    public void Who_left_is_named_with_their_node()
    {
        var batch = PresenceBatcher.For(new PresenceChanged([], [Client("bob", 1, "n:2")], new HashSet<string>()), "me", 9)!;
        Assert.Equal([new PresenceEvent("bob", "n:2", false)], batch.Events);
    }
}
