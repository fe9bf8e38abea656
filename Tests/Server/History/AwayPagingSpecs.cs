using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// What waits for an offline reserved name comes back a page at a time (<see cref="InboxActor.PageLines"/>), oldest
/// first: a whole inbox of long texts would not fit in one message between cluster nodes, and one dropped report would
/// leave the inbox undelivered at every login. Each page is forgotten once delivered; nothing is sent twice or lost.
/// </summary>
public sealed class AwayPagingSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString(
    "switchboard.history { max-messages = 1000, max-held = 1000, max-held-from-one = 100 }").WithFallback(AccountTestConfig.TestJournal()))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Many_held_messages_come_back_a_page_at_a_time_in_order_each_once()
    {
        var history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(Sys.Settings.Config), TimeProvider.System));
        string[] senders = ["bob", "carol", "dave"];
        var expected = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            var conversation = Conversation.Direct(senders[i % 3], "alice");
            history.Tell(new Post(conversation, i, senders[i % 3], $"message {i}"));
            var posted = ExpectMsg<Posted>(Wait);
            history.Tell(new Hold("alice", i, conversation, posted.MsgId));
            ExpectMsg<HeldOk>(Wait);
            expected.Add($"message {i}");
        }

        var seen = new List<string>();
        var next = false;
        var pages = 0;
        while (true)
        {
            history.Tell(new CollectAway("alice", Next: next));
            var page = ExpectMsg<AwayReport>(Wait);
            pages++;
            Assert.InRange(page.Lines.Length, 1, InboxActor.PageLines);
            Assert.Equal(expected.Count - seen.Count - page.Lines.Length, page.More);
            seen.AddRange(page.Lines.Select(l => l.Line.Text));
            history.Tell(new AwayDelivered("alice", page.UpTo));
            if (page.More == 0) break;
            next = true;
        }
        Assert.Equal(expected, seen);
        Assert.Equal((250 + InboxActor.PageLines - 1) / InboxActor.PageLines, pages);

        // All delivered: nothing waits any more.
        history.Tell(new CollectAway("alice"));
        var after = ExpectMsg<AwayReport>(Wait);
        Assert.Equal((0, 0), (after.Lines.Length, after.More));
    }
}
