using Akka.Actor;
using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>A 429 for the client's own rate limit says when to come back (<see cref="Reply.RetryAfterMs"/>, from the
/// session's token bucket), so a client can wait that long and send the request again instead of losing it. Time is
/// the spec's clock: nothing here depends on the machine's speed.</summary>
public sealed class RetryAfterSpecs() : ServerActorsFixture(null)
{
    // 200 a second is a token every 5 ms; a burst of 5 at once.
    protected override SessionSettings Settings(SessionSettings hocon) =>
        base.Settings(hocon) with { RatePerSecond = 200, RateBurst = 5, MaxUnacked = 2 };

    private (TestProbe Probe, IActorRef Session) Join(string name)
    {
        var p = CreateTestProbe();
        return (p, RegisterAs(name, p).Session);
    }

    [Fact]
    public void A_request_over_the_rate_limit_is_answered_429_with_when_the_next_token_comes_and_is_served_then()
    {
        var (alice, a) = Join("alice");
        for (var i = 1; i <= 5; i++) a.Tell(new Request(i, "even", ["2"]), alice.Ref);
        Assert.All(Enumerable.Range(0, 5).Select(_ => alice.ExpectMsg<Reply>()), r => Assert.Equal((Codes.Ok, 0L), (r.Code, r.RetryAfterMs)));

        a.Tell(new Request(6, "even", ["3"]), alice.Ref);
        var refused = alice.ExpectMsg<Reply>();
        Assert.Equal((6L, Codes.RateLimited, 5L), (refused.Id, refused.Code, refused.RetryAfterMs));
        Assert.Equal(ValueKind.None, refused.Value.Kind); // no work was done for it

        // Back too early: still refused, told the rest of the wait.
        Clock.Advance(TimeSpan.FromMilliseconds(2));
        a.Tell(new Request(7, "even", ["3"]), alice.Ref);
        Assert.Equal((Codes.RateLimited, 3L), alice.ExpectMsg<Reply>() is var early ? (early.Code, early.RetryAfterMs) : default);

        // Back when told: served.
        Clock.Advance(TimeSpan.FromMilliseconds(3));
        a.Tell(new Request(8, "even", ["3"]), alice.Ref);
        var served = alice.ExpectMsg<Reply>();
        Assert.Equal((8L, Codes.Ok, "odd", 0L), (served.Id, served.Code, served.Value.Text, served.RetryAfterMs));
    }

    [Fact]
    public void A_refused_request_of_a_batch_carries_the_retry_after_too()
    {
        var (alice, a) = Join("alice");
        a.Tell(new RequestBatch([.. Enumerable.Range(1, 6).Select(i => new Request(i, "add", [i.ToString(), "1"]))]), alice.Ref);
        var replies = new List<Reply>();
        while (replies.Count < 6)
            replies.AddRange(alice.ExpectMsg<ISwitchboardMessage>() switch
            {
                ReplyBatch b => b.Replies,
                Reply one => [one],
                var other => throw new Xunit.Sdk.XunitException($"unexpected {other}"),
            });
        var refused = replies.Single(r => r.Code == Codes.RateLimited);
        Assert.Equal((6L, 5L), (refused.Id, refused.RetryAfterMs));
        Assert.All(replies.Where(r => r.Code == Codes.Ok), r => Assert.Equal(0, r.RetryAfterMs));
    }

    [Fact]
    public void A_429_that_is_not_the_clients_rate_limit_carries_no_retry_after()
    {
        var (alice, a) = Join("alice");
        var (bob, _) = Join("bob");
        // bob takes in nothing (no Ack): past 2 unacknowledged events his messages are dropped, and alice hears 429
        // for that, which waiting would not cure: no retry-after.
        var codes = new List<Reply>();
        for (var i = 1; i <= 3; i++)
        {
            a.Tell(new Tell(i, "bob", $"m{i}"), alice.Ref);
            codes.Add(alice.ExpectMsg<Reply>());
        }
        Assert.Equal([Codes.Ok, Codes.Ok, Codes.RateLimited], codes.Select(r => r.Code));
        Assert.Equal(0, codes[^1].RetryAfterMs);
        Assert.Contains("not keeping up", codes[^1].Error);
    }
}
