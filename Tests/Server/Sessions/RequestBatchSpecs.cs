using System.Runtime.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>Requests a client had queued, sent as one <see cref="RequestBatch"/>: the same checks, one counted step, one answer.</summary>
public sealed class RequestBatchSpecs() : ServerActorsFixture(null)
{
    protected override SessionSettings Settings(SessionSettings hocon) =>
        base.Settings(hocon) with { RatePerSecond = 1000, RateBurst = 50 };

    private static RequestBatch Batch(int from, int count, string op = "add", params string[] args) =>
        new([.. Enumerable.Range(from, count).Select(i => new Request(i, op, args.Length > 0 ? args : [i.ToString(), "1"]))]);

    [Fact]
    public void A_batch_is_answered_by_one_reply_batch_in_order_with_consecutive_sequence_numbers()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        var batch = new RequestBatch([new Request(1, "add", ["2", "3"]), new Request(2, "div", ["1", "0"]), new Request(3, "prime", ["97"]), new Request(4, "nope", ["1"])]);
        session.Tell(batch, alice.Ref);

        var replies = alice.ExpectMsg<ReplyBatch>().Replies;
        Assert.Equal([1L, 2, 3, 4], replies.Select(r => r.Id));
        Assert.Equal([Codes.Ok, Codes.Invalid, Codes.Ok, Codes.NotSupported], replies.Select(r => r.Code));
        Assert.Equal(5, replies[0].Value.Number);
        Assert.Equal("division by zero", replies[1].Error);
        Assert.True(replies[2].Value.Flag);
        Assert.Equal([2L, 3, 4, 5], replies.Select(r => r.ClientSeq));
        Assert.Equal([2L, 3, 4, 5], replies.Select(r => r.ServerSeq));

        // A single request after it goes on counting.
        session.Tell(new Request(5, "even", ["2"]), alice.Ref);
        Assert.Equal((6L, 6L), alice.ExpectMsg<Reply>() is var r ? (r.ClientSeq, r.ServerSeq) : default);
        Assert.Equal(5, Store.Snapshot().Clients.Single().Requests);
    }

    [Fact]
    public void Each_request_of_a_batch_counts_for_the_rate_limit()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        // The clock stands still: a burst of 50 is all there is, so 40 + 20 requests leave 10 answered 429.
        session.Tell(Batch(1, 40), alice.Ref);
        session.Tell(Batch(41, 20), alice.Ref);
        var replies = new List<Reply>();
        while (replies.Count < 60)
            replies.AddRange(alice.ExpectMsg<ISwitchboardMessage>() switch
            {
                ReplyBatch b => b.Replies,
                Reply one => [one],
                var other => throw new Xunit.Sdk.XunitException($"unexpected {other}"),
            });
        Assert.Equal(50, replies.Count(r => r.Code == Codes.Ok));
        Assert.Equal(10, replies.Count(r => r.Code == Codes.RateLimited));
        Assert.Equal(10, Enumerable.Range(41, 20).Count(i => replies.Single(r => r.Id == i).Code == Codes.RateLimited)); // all from the second
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), replies.Select(r => r.Id).Order());
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_batch_from_anyone_but_the_sessions_client_is_refused_401_and_nothing_is_run()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        var stranger = CreateTestProbe();
        session.Tell(Batch(1, 3), stranger.Ref);
        Assert.Equal(Codes.Unauthorized, stranger.ExpectMsg<Reply>().Code);
        stranger.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, Store.Snapshot().Clients.Single().Requests);
    }

    // A reference whose path names another host: what a peer writes as a message's sender.
    private sealed class Elsewhere(IActorRefProvider provider) : MinimalActorRef
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<object> Told = new();
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka.tcp", "switchboard-client", "10.255.255.1", 47990)) / "user" / "c";
        public override IActorRefProvider Provider { get; } = provider;
        protected override void TellInternal(object message, IActorRef sender) => Told.Enqueue(message);
    }

    [Fact]
    public void A_message_whose_sender_names_another_address_is_not_answered_there()
    {
        var alice = CreateTestProbe();
        var session = RegisterAs("alice", alice).Session;
        var elsewhere = new Elsewhere(((ExtendedActorSystem)Sys).Provider);
        session.Tell(Batch(1, 3), elsewhere);
        session.Tell(new Request(9, "add", ["1", "2"]), elsewhere);
        // The session handles its mail in order: once alice has her answer, the forged ones were handled.
        session.Tell(new Request(10, "add", ["1", "2"]), alice.Ref);
        Assert.Equal(10, alice.ExpectMsg<Reply>().Id);
        Assert.Empty(elsewhere.Told);
        Assert.Equal(1, Store.Snapshot().Clients.Single().Requests);
    }
}

/// <summary>The serializer bounds a batch both ways: it never writes, nor reads from a peer, more than <see cref="Limits.MaxBatch"/>.</summary>
public sealed class RequestBatchWireSpecs() : TestKit(ActorTestConfig.Server())
{
    private SwitchboardSerializer Serializer => (SwitchboardSerializer)Sys.Serialization.FindSerializerForType(typeof(RequestBatch));

    private static RequestBatch Of(int n) => new([.. Enumerable.Range(0, n).Select(i => new Request(i + 1, "add", ["1", "2"]))]);

    [Fact]
    public void A_full_batch_round_trips()
    {
        var back = (RequestBatch)Serializer.FromBinary(Serializer.ToBinary(Of(Limits.MaxBatch)), Serializer.Manifest(Of(1)));
        Assert.Equal(Enumerable.Range(1, Limits.MaxBatch).Select(i => (long)i), back.Requests.Select(r => r.Id));
        Assert.All(back.Requests, r => Assert.Equal(("add", "1 2"), (r.Op, string.Join(' ', r.Args))));
    }

    [Fact]
    public void A_batch_past_the_bound_is_never_written()
    {
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary(Of(Limits.MaxBatch + 1)));
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary(new ReplyBatch(new Reply[Limits.MaxBatch + 1])));
    }

    [Fact]
    public void A_peer_written_batch_past_the_bound_is_refused_and_not_decoded()
    {
        // What a hostile peer can write: the one-item encoding repeated one time too many.
        var one = Serializer.ToBinary(Of(1));
        var bytes = Enumerable.Repeat(one, Limits.MaxBatch + 1).SelectMany(b => b).ToArray();
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, Serializer.Manifest(Of(1))));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, Serializer.Manifest(new ReplyBatch([]))));
        // ... and one inside the bound is read.
        var ok = Enumerable.Repeat(one, Limits.MaxBatch).SelectMany(b => b).ToArray();
        Assert.Equal(Limits.MaxBatch, ((RequestBatch)Serializer.FromBinary(ok, Serializer.Manifest(Of(1)))).Requests.Length);
    }

    [Fact]
    public void A_truncated_batch_item_is_refused()
    {
        var bytes = Serializer.ToBinary(Of(2));
        Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(bytes[..^3], Serializer.Manifest(Of(1))));
    }
}
