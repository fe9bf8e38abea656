using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>Gateway, sessions, rooms and registry as in the server, over a history that is a probe: <c>alice</c> is
/// reserved, the store answers only what a spec makes it answer, and a session waits 300 ms for it. What an ended session
/// leaves unheld goes to a real <see cref="UnfinishedHoldsActor"/> over the same probe.</summary>
public abstract class ProbeStoreFixture(string? hocon = null) : ServerActorsFixture(hocon)
{
    /// <summary>The node's reserved names (alice).</summary>
    protected ReservedNames Reserved { get; } = new();

    /// <summary>The cluster's nodes lost a moment ago, as the sessions see them (none unless a spec says so); given to
    /// the sessions only when <see cref="Cluster"/>.</summary>
    protected LostNodes Lost { get; } = new();

    /// <summary>The sessions are a cluster node's (they have <see cref="Lost"/>); else a single host's.</summary>
    protected virtual bool Cluster => false;

    /// <summary>The history, as the sessions see it.</summary>
    protected TestProbe StoreProbe { get; private set; } = null!;

    protected override HistoryDesk? History()
    {
        Reserved.Reserved("alice", 0);
        StoreProbe = CreateTestProbe();
        var settings = HistorySettings.Create(Sys.Settings.Config) with { Timeout = TimeSpan.FromMilliseconds(300) };
        return new HistoryDesk(StoreProbe.Ref, Reserved, settings, Unfinished: Sys.ActorOf(UnfinishedHoldsActor.Props(StoreProbe.Ref, settings.Timeout)),
            Lost: Cluster ? Lost : null);
    }

    /// <summary>Alice (her away answered: nothing) and bob register; her DM "hi" (id 5) reaches bob, and its post to the
    /// store is returned, not answered yet. Alice's session is <paramref name="alice"/>'s.</summary>
    protected Post AliceDmsBobHi(TestProbe alice, TimeSpan wait)
    {
        var a = RegisterAs("alice", alice).Session;
        StoreProbe.FishForMessage<CollectAway>(_ => true, wait);
        StoreProbe.Reply(new AwayReport([], [], 0));
        var bob = CreateTestProbe();
        RegisterAs("bob", bob);

        a.Tell(new Tell(5, "bob", "hi"), alice.Ref);
        Assert.Equal("hi", bob.FishForMessage<Incoming>(_ => true, wait).Text);
        return StoreProbe.FishForMessage<Post>(_ => true, wait);
    }

    /// <summary>A DM from <paramref name="session"/> to alice is kept as <paramref name="msgId"/>, her inbox is asked to
    /// hold it, and its sender hears 202 "stored" (returned).</summary>
    protected Reply KeptThenHeldForAlice(TestProbe sender, Akka.Actor.IActorRef session, long id, long msgId, TimeSpan wait)
    {
        session.Tell(new Tell(id, "alice", "are you there?"), sender.Ref);
        var post = StoreProbe.FishForMessage<Post>(_ => true, wait);
        StoreProbe.Reply(new Posted(post.Ticket, post.Conversation, msgId, 1_000));
        var hold = StoreProbe.FishForMessage<Hold>(_ => true, wait);
        Assert.Equal(("alice", msgId), (hold.Owner, hold.MsgId));
        StoreProbe.Reply(new HeldOk(hold.Ticket));
        var answer = sender.FishForMessage<Reply>(r => r.Id == id, wait);
        Assert.Equal(Codes.Stored, answer.Code);
        return answer;
    }
}
