using Akka.Actor;

namespace Switchboard.Tests.Server.Registry;

/// <summary>A store that fails on demand the way a bug would (not a segment fault), and refuses use after Dispose.</summary>
public sealed class FaultyStore(IStateStore inner) : IStateStore
{
    private int _failures;
    private Func<Exception> _fault = () => new InvalidOperationException("a bug in the store");

    public bool Disposed { get; private set; }
    public int UsesAfterDispose { get; private set; }

    /// <summary>The next <paramref name="calls"/> store calls throw <paramref name="fault"/> (a bug: an <see cref="InvalidOperationException"/>).</summary>
    public void Fail(int calls = 1, Func<Exception>? fault = null)
    {
        if (fault is not null) _fault = fault;
        Interlocked.Exchange(ref _failures, calls);
    }

    private void Use()
    {
        if (Disposed)
        {
            UsesAfterDispose++;
            throw new ObjectDisposedException(nameof(FaultyStore));
        }
        if (Interlocked.Decrement(ref _failures) >= 0) throw _fault();
        Interlocked.Exchange(ref _failures, 0);
    }

    public ClaimResult Claim(string name) { Use(); return inner.Claim(name); }
    public ReplyCounter CounterFor(SlotHandle slot) => new Counter(this, inner.CounterFor(slot));
    public FoldHoldResult HoldFold(string name) { Use(); return inner.HoldFold(name); }
    public bool Release(SlotHandle slot) { Use(); return inner.Release(slot); }
    public bool TryFind(string name, out ClientEntry entry) { Use(); return inner.TryFind(name, out entry); }
    public StateSnapshot Snapshot() { Use(); return inner.Snapshot(); }
    public Census Census() { Use(); return inner.Census(); }
    public int Maintain() { Use(); return inner.Maintain(); }
    public void PublishAkkaUid(int uid) => inner.PublishAkkaUid(uid);
    public IReadOnlyDictionary<string, int>? NodeUids() => inner.NodeUids();
    public void Dispose() => Disposed = true;

    // The inner store's counter, failing on demand like every other call.
    private sealed class Counter(FaultyStore store, ReplyCounter inner) : ReplyCounter
    {
        protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
        {
            store.Use();
            var counted = inner.TryCount(seqs);
            if (counted == Counting.Broken) Broken = inner.Broken;
            return counted;
        }
    }
}

/// <summary>What a failure of the state actor does: the request that hit it hears 503, the actor resumes with its
/// state and the same store, and the store (the host's) is never disposed by the actor.</summary>
public sealed class StateFailureSpecs() : ServerActorsFixture(null)
{
    private FaultyStore? _faulty;

    private FaultyStore Faulty => _faulty ??= new FaultyStore(Store);

    protected override IStateStore StoreForState() => Faulty;

    [Fact]
    public void A_bug_while_counting_answers_that_request_503_and_the_actor_goes_on_with_the_same_store()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        Watch(State);
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() =>
        {
            Faulty.Fail();
            s.Tell(new Request(1, "add", ["1", "2"]), alice.Ref);
            var failed = alice.ExpectMsg<Reply>();
            Assert.Equal((1L, Codes.Unavailable), (failed.Id, failed.Code));
        });
        s.Tell(new Request(2, "add", ["2", "2"]), alice.Ref);
        var next = alice.ExpectMsg<Reply>();
        // The failed reply was never counted; the registration (and its slot) survived.
        Assert.Equal((200, 2L, 4L), (next.Code, next.ClientSeq, next.Value.Number));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // no Terminated: resumed, not stopped
        Assert.False(Summary.IsComplete);
        Assert.False(Faulty.Disposed);
    }

    [Fact]
    public void A_bug_while_claiming_refuses_that_registration_503_and_the_next_one_succeeds()
    {
        var first = CreateTestProbe();
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() =>
        {
            Faulty.Fail();
            Gateway.Tell(new Register("alice"), first.Ref);
            Assert.Equal(Codes.Unavailable, first.ExpectMsg<Rejected>().Code);
        });
        Assert.Equal(1, RegisterAs("alice", CreateTestProbe()).ClientSeq);
    }

    [Fact]
    public void A_bug_in_every_look_at_presence_leaves_requests_served()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        EventFilter.Exception<InvalidOperationException>().Expect(3, () =>
        {
            Faulty.Fail(calls: 3); // each look fails at its first store call
            for (var i = 0; i < 3; i++) Look();
        });
        s.Tell(new Request(1, "mul", ["6", "7"]), alice.Ref);
        Assert.Equal(42, alice.ExpectMsg<Reply>().Value.Number);
    }

    [Fact]
    public void Stopping_the_state_actor_records_the_summary_and_leaves_the_store_to_its_owner()
    {
        RegisterAs("alice", CreateTestProbe());
        Watch(State);
        Sys.Stop(State);
        ExpectTerminated(State);
        Assert.True(Summary.IsComplete);
        Assert.False(Faulty.Disposed);
        Assert.Single(Store.Snapshot().Clients); // the host's Dispose, not the actor, removes this node's entries
    }
}

/// <summary>A registry that stops (it could not start, or was killed) takes the node down cleanly.</summary>
public sealed class RegistryLossSpecs() : ServerActorsFixture(null)
{
    [Fact]
    public async Task Losing_the_registry_stops_the_node_through_coordinated_shutdown_with_the_summary_recorded()
    {
        RegisterAs("alice", CreateTestProbe());
        State.Tell(Kill.Instance);
        await Sys.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20).Scaled());
        Assert.IsType<GatewayActor.RegistryLost>(CoordinatedShutdown.Get(Sys).ShutdownReason);
        Assert.True(Summary.IsComplete);
        Assert.Equal(["alice"], Summary.Sessions.Select(x => x.Name));
    }
}
