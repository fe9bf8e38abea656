using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// The claim that keeps one cluster on one database, without a database: <see cref="StoreClaims.Judge"/> on rows of given
/// ages, and <see cref="StoreClaimActor"/> of a one-node cluster over a claim table kept here with a manual clock (the
/// database's clock in production), renewed only when a spec says so. The SQL itself runs in ClusterStoreClaimSpecs.
/// </summary>
public sealed class StoreClaimSpecs() : TestKit(Config.WithFallback(ActorTestConfig.TimeFactorConfig))
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """);

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    private static readonly StoreClaimRow Free = new([], [], DateTime.UnixEpoch, TimeSpan.Zero, DateTime.UnixEpoch);
    private static readonly string[] Others = ["127.0.0.9:5001#7"];
    private static readonly string[] OtherFronts = ["127.0.0.9:5000"];

    [Fact]
    public void A_claim_is_taken_when_free_or_lapsed_held_when_it_names_a_member_and_refused_when_another_cluster_renewed_it_within_the_lease()
    {
        var known = new HashSet<string> { "127.0.0.1:4001#1", "127.0.0.2:4001#2" };
        Assert.Equal(StoreClaimVerdict.Take, StoreClaims.Judge(Free, known, Lease));
        Assert.Equal(StoreClaimVerdict.Hold, StoreClaims.Judge(new(["127.0.0.2:4001#2", "127.0.0.3:4001#3"], ["a", "b"], DateTime.UnixEpoch, TimeSpan.FromSeconds(1), DateTime.UnixEpoch), known, Lease));
        // Its own row, though it was not renewed for longer than the lease (this cluster's renewals failed a while).
        Assert.Equal(StoreClaimVerdict.Hold, StoreClaims.Judge(new(["127.0.0.1:4001#1"], ["a"], DateTime.UnixEpoch, Lease * 2, DateTime.UnixEpoch), known, Lease));
        Assert.Equal(StoreClaimVerdict.Refuse, StoreClaims.Judge(new(Others, OtherFronts, DateTime.UnixEpoch, Lease - TimeSpan.FromTicks(1), DateTime.UnixEpoch), known, Lease));
        Assert.Equal(StoreClaimVerdict.Take, StoreClaims.Judge(new(Others, OtherFronts, DateTime.UnixEpoch, Lease, DateTime.UnixEpoch), known, Lease));
        // The same node started again is another incarnation: not this cluster's member.
        Assert.Equal(StoreClaimVerdict.Refuse, StoreClaims.Judge(new(["127.0.0.1:4001#9"], ["a"], DateTime.UnixEpoch, TimeSpan.Zero, DateTime.UnixEpoch), known, Lease));
    }

    [Fact]
    public async Task A_node_whose_cluster_sees_another_cluster_renew_its_claim_never_serves_and_says_who_holds_it_and_the_fix()
    {
        var (clock, table, gate, claim, refused) = await StartBesideAsync(Others, OtherFronts);

        // The first look may have missed members a node just Up has not heard of, and a row not renewed since may be a
        // killed cluster's: refused once the other cluster is seen renewing it.
        await table.Asked(1);
        claim.Tell(RenewClaim.Instance);
        await table.Asked(2);
        Assert.False(refused.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        table.Write(Others, OtherFronts);
        claim.Tell(RenewClaim.Instance);
        var why = await refused.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("in use by another cluster: 127.0.0.9:5000 (node port 127.0.0.9:5001)", why);
        Assert.Contains("renewed it while this node looked", why);
        Assert.Contains("--seeds 127.0.0.9:5001", why);
        Assert.False(gate.WhenFirstHeld.IsCompleted);
        Assert.NotNull(gate.Problem());
        Assert.Equal(Others, table.Row.Members);
    }

    // Every node of a cluster killed, then started again at once: their new incarnations are not the row's members, and
    // nobody renews it. They wait for it to lapse rather than exit (an operator had to start each again after the lease).
    [Fact]
    public async Task A_node_that_finds_another_clusters_claim_unrenewed_waits_and_takes_it_once_it_lapses()
    {
        var (clock, table, gate, claim, refused) = await StartBesideAsync(Others, OtherFronts);

        for (var look = 1; look <= 4; look++)
        {
            clock.Advance(Lease / 5);
            claim.Tell(RenewClaim.Instance);
            await table.Asked(look + 1);
        }
        Assert.False(refused.IsCompleted, "refused a claim nobody renewed");
        Assert.False(gate.WhenFirstHeld.IsCompleted);
        Assert.NotNull(gate.Problem());

        clock.Advance(Lease / 5);
        claim.Tell(RenewClaim.Instance);
        await gate.WhenFirstHeld.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(refused.IsCompleted);
        Assert.Null(gate.Problem());
        Assert.Equal([StoreClaims.IdOf(Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress)], table.Row.Members);
    }

    [Fact]
    public async Task A_node_started_again_after_its_whole_cluster_was_killed_waits_for_its_previous_runs_claim_to_lapse_then_serves()
    {
        // kill -9 of every node, all started again at once: the first seed forms the cluster alone and finds the row its
        // own previous run renewed (its address, another incarnation: that run is dead, as one process binds an address).
        // It exited 1 with "--seeds reached none of its nodes" (its own address as the fix), and the others waited for it.
        var (clock, table, gate, claim, refused) = await StartBesideAsync([PreviousRun(), Others[0]], ["127.0.0.1:4000", OtherFronts[0]]);

        await table.Asked(1);
        foreach (var look in new[] { 2, 3 })
        {
            claim.Tell(RenewClaim.Instance);
            await table.Asked(look);
        }
        Assert.False(refused.IsCompleted);
        Assert.False(gate.WhenFirstHeld.IsCompleted);
        Assert.NotNull(gate.Problem());

        clock.Advance(Lease);
        claim.Tell(RenewClaim.Instance);
        await gate.WhenFirstHeld.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([StoreClaims.IdOf(Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress)], table.Row.Members);
        Assert.False(refused.IsCompleted);
    }

    [Fact]
    public async Task A_node_waiting_for_its_previous_runs_claim_is_refused_once_live_nodes_renew_it_without_that_run()
    {
        var (clock, table, gate, claim, refused) = await StartBesideAsync([PreviousRun(), Others[0]], ["127.0.0.1:4000", OtherFronts[0]]);
        await table.Asked(1);
        claim.Tell(RenewClaim.Instance);
        await table.Asked(2);
        Assert.False(refused.IsCompleted);

        // The other node lives: it removed the dead run and renews without it, a renewal later. That is another cluster's claim.
        clock.Advance(TimeSpan.FromSeconds(2));
        table.Write(Others, OtherFronts);
        claim.Tell(RenewClaim.Instance);
        await table.Asked(3);
        claim.Tell(RenewClaim.Instance);
        var why = await refused.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("in use by another cluster: 127.0.0.9:5000 (node port 127.0.0.9:5001)", why);
        Assert.False(gate.WhenFirstHeld.IsCompleted);
    }

    /// <summary>This node's address with an incarnation that is not this one's.</summary>
    private string PreviousRun()
    {
        var self = Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress;
        return $"{self.Address.Host}:{self.Address.Port}#{self.Uid + 1}";
    }

    [Fact]
    public async Task A_node_takes_a_claim_whose_cluster_stopped_renewing_once_the_lease_has_passed_at_the_stores_clock()
    {
        var clock = new ManualClock();
        var table = new ClaimTable(clock);
        table.Write(Others, OtherFronts);
        clock.Advance(Lease);
        var (gate, _, refused) = await StartWatchedAsync(table);

        await gate.WhenFirstHeld.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(refused.IsCompleted);
        Assert.Null(gate.Problem());
        Assert.Equal([StoreClaims.IdOf(Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress)], table.Row.Members);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, table.Row.Since);
    }

    [Fact]
    public async Task A_serving_cluster_whose_renewal_finds_another_clusters_claim_refuses_writes_until_that_claim_lapses()
    {
        var clock = new ManualClock();
        var table = new ClaimTable(clock);
        var (gate, claim, refused) = await StartWatchedAsync(table);
        var back = CreateTestProbe();
        Sys.EventStream.Subscribe(back.Ref, typeof(StoreClaimBack));
        await gate.WhenFirstHeld.WaitAsync(TimeSpan.FromSeconds(30));

        // The other side of a split renewed after the sides stopped seeing each other.
        table.Write(Others, OtherFronts);
        var asked = table.Count;
        claim.Tell(RenewClaim.Instance);
        await table.Asked(asked + 1);
        Assert.Null(gate.Problem()); // one look is not enough
        claim.Tell(RenewClaim.Instance);
        await AwaitConditionAsync(() => Task.FromResult(gate.Problem() is not null));
        Assert.Contains("claimed by another cluster (127.0.0.9:5000 (node port 127.0.0.9:5001))", gate.Problem()!.Text);
        Assert.Same(gate.Problem(), gate.Elsewhere()); // the journal's writes are refused too (before the first claim they were not)

        // Still renewed by the other: still refused, and the claim stays the other's.
        clock.Advance(Lease / 2);
        table.Write(Others, OtherFronts);
        asked = table.Count;
        claim.Tell(RenewClaim.Instance);
        await table.Asked(asked + 1);
        Assert.NotNull(gate.Problem());
        Assert.Equal(Others, table.Row.Members);

        // The other stopped renewing: past the lease this cluster takes it back.
        clock.Advance(Lease);
        claim.Tell(RenewClaim.Instance);
        await AwaitConditionAsync(() => Task.FromResult(gate.Problem() is null));
        Assert.NotEqual(Others, table.Row.Members);
        Assert.False(refused.IsCompleted, "a serving node is never refused as at its start");
        // Said on the node side's event stream, once: what waited for the claim goes on (the history relay's).
        back.ExpectMsg<StoreClaimBack>();
        back.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Started beside a claim <paramref name="members"/> renewed just now, at a manual clock.</summary>
    private async Task<(ManualClock Clock, ClaimTable Table, StoreClaimGate Gate, IActorRef Claim, Task<string> Refused)> StartBesideAsync(
        string[] members, string[] fronts)
    {
        var clock = new ManualClock();
        var table = new ClaimTable(clock);
        table.Write(members, fronts);
        var (gate, claim, refused) = await StartWatchedAsync(table);
        return (clock, table, gate, claim, refused);
    }

    /// <summary>Started with its refusal kept to be asserted on (a refusal's callback runs on the actor's thread).</summary>
    private async Task<(StoreClaimGate Gate, IActorRef Claim, Task<string> Refused)> StartWatchedAsync(ClaimTable table)
    {
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (gate, claim) = await StartAsync(table, why => refused.TrySetResult(why));
        return (gate, claim, refused.Task);
    }

    private async Task<(StoreClaimGate Gate, IActorRef Claim)> StartAsync(ClaimTable table, Action<string> refuse)
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var gate = new StoreClaimGate();
        // Renewed by the specs only.
        var claim = Sys.ActorOf(StoreClaimActor.Props(table.ClaimAsync, gate, "postgresql://u@db:5432/switchboard", TimeSpan.FromHours(1), Lease, refuse));
        cluster.Join(cluster.SelfAddress);
        await AwaitConditionAsync(() => Task.FromResult(cluster.SelfMember.Status == MemberStatus.Up));
        return (gate, claim);
    }

    /// <summary>The database's claim row and what PostgresStore.ClaimAsync does with it, at a manual clock.</summary>
    private sealed class ClaimTable(ManualClock clock)
    {
        private readonly Lock _gate = new();
        private DateTime _renewed = clock.GetUtcNow().UtcDateTime;
        private int _count;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public StoreClaimRow Row { get; private set; } = Free with { Since = clock.GetUtcNow().UtcDateTime };

        public int Count => Volatile.Read(ref _count);

        public void Write(string[] members, string[] fronts)
        {
            lock (_gate)
            {
                _renewed = clock.GetUtcNow().UtcDateTime;
                Row = new(members, fronts, _renewed, TimeSpan.Zero, _renewed);
            }
        }

        public Task<StoreClaimAnswer> ClaimAsync(StoreClaimAsk ask)
        {
            StoreClaimAnswer answer;
            TaskCompletionSource changed;
            lock (_gate)
            {
                var now = clock.GetUtcNow().UtcDateTime;
                var read = Row with { Age = now - _renewed, Renewed = _renewed };
                var verdict = StoreClaims.Judge(read, ask.Known, Lease);
                if (verdict != StoreClaimVerdict.Refuse)
                {
                    _renewed = now;
                    Row = new(ask.Members, ask.Fronts, verdict == StoreClaimVerdict.Take ? now : read.Since, TimeSpan.Zero, now);
                }
                answer = new(verdict, read);
                _count++;
                (changed, _changed) = (_changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            changed.TrySetResult();
            return Task.FromResult(answer);
        }

        /// <summary>Until the actor has asked <paramref name="times"/> times in all.</summary>
        public async Task Asked(int times)
        {
            while (true)
            {
                Task next;
                lock (_gate)
                {
                    if (_count >= times) return;
                    next = _changed.Task;
                }
                await next.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }
}
