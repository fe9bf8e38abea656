namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// Hostile tester (stop 56): every <c>who</c> was a query to the node's one registry, which lists and sorts every online
/// client for it, and a client may send 400 at once (the request burst). 64 guest names of one peer sending 300 each, with
/// 1,000 clients online, held another client's broadcast (which goes through the registry too) for 0.5, 3.2 and 23 s
/// (55-99 ms before). A session now has one <c>who</c> at the registry at a time: those its client sends meanwhile are
/// answered with that one's list.
/// </summary>
public sealed class WhoFloodSpecs() : ServerActorsFixture(null)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    // Alice's session (her name claimed in a store of its own, which numbers her replies) with a probe for the registry.
    private (Akka.TestKit.TestProbe Alice, Akka.TestKit.TestProbe Registry, Akka.Actor.IActorRef Session) AliceWithProbedRegistry()
    {
        var alice = CreateTestProbe();
        var registry = CreateTestProbe();
        var store = new InMemoryStateStore("test:1");
        var slot = store.Claim("alice").Slot;
        var session = ChildActorOf(SessionActor.Props("alice", alice.Ref, new ClaimHandle(slot.Index, slot.Token), store.CounterFor(slot),
            Services with { Registry = registry.Ref }));
        session.Tell(RegisteredSent.Instance, TestActor);
        return (alice, registry, session);
    }

    [Fact]
    public void Whos_sent_while_one_is_at_the_registry_are_answered_with_its_list_and_the_registry_is_asked_once()
    {
        var (alice, registry, session) = AliceWithProbedRegistry();

        for (var id = 1; id <= 3; id++) session.Tell(new Who(id), alice.Ref);
        Assert.Equal(1, registry.FishForMessage<WhoQuery>(_ => true, Wait).Id);
        PresenceEntry[] listed = [new("alice", "test:1", 0), new("bob", "test:1", 0)];
        registry.Reply(new WhoList(1, listed, 0));

        var replies = Enumerable.Range(0, 3).Select(_ => alice.FishForMessage<WhoReply>(_ => true, Wait)).ToList();
        Assert.Equal([1L, 2, 3], replies.Select(r => r.Id));
        Assert.All(replies, r => Assert.Equal(["alice", "bob"], r.Clients.Select(c => c.Name)));
        Assert.DoesNotContain(registry.ReceiveWhile<object>(TimeSpan.FromMilliseconds(300), m => m), m => m is WhoQuery);

        // Answered, the next who asks the registry again.
        session.Tell(new Who(4), alice.Ref);
        Assert.Equal(4, registry.FishForMessage<WhoQuery>(_ => true, Wait).Id);
    }

    [Fact]
    public void Whos_waiting_on_a_registry_that_failed_are_each_answered_503()
    {
        var (alice, registry, session) = AliceWithProbedRegistry();

        session.Tell(new Who(1), alice.Ref);
        session.Tell(new Who(2), alice.Ref);
        registry.FishForMessage<WhoQuery>(_ => true, Wait);
        registry.Reply(new WhoFailed(1, "the registry could not list"));
        var replies = Enumerable.Range(0, 2).Select(_ => alice.FishForMessage<Reply>(_ => true, Wait)).ToList();
        Assert.Equal([(1L, Codes.Unavailable), (2L, Codes.Unavailable)], replies.Select(r => (r.Id, r.Code)));
    }

    [Fact]
    public void A_who_sent_a_delivery_timeout_after_a_query_the_registry_never_answered_asks_again_and_answers_every_one()
    {
        var (alice, registry, session) = AliceWithProbedRegistry();

        session.Tell(new Who(1), alice.Ref);
        Assert.Equal(1, registry.FishForMessage<WhoQuery>(_ => true, Wait).Id); // lost: never answered
        session.Tell(new Who(2), alice.Ref);
        Assert.DoesNotContain(registry.ReceiveWhile<object>(TimeSpan.FromMilliseconds(300), m => m), m => m is WhoQuery);

        Clock.Advance(Services.Settings.DeliveryTimeout);
        session.Tell(new Who(3), alice.Ref);
        Assert.Equal(3, registry.FishForMessage<WhoQuery>(_ => true, Wait).Id);
        registry.Reply(new WhoList(3, [new("alice", "test:1", 0)], 0));
        var replies = Enumerable.Range(0, 3).Select(_ => alice.FishForMessage<WhoReply>(_ => true, Wait)).ToList();
        Assert.Equal([1L, 2, 3], replies.Select(r => r.Id));
    }
}
