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

/// <summary>
/// The client hears of what arrived while away once, before the first page: that page's report counts the whole inbox.
/// Held messages retention trimmed on a later page are counted there as trimmed, not as arriving (they were lost without
/// a word when only the first page's were counted).
/// </summary>
public sealed class AwayTrimmedSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString(
    "switchboard.history { max-messages = 40, max-held = 1000, max-held-from-one = 100 }").WithFallback(AccountTestConfig.TestJournal()))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Held_messages_trimmed_past_the_first_page_are_counted_in_the_first_report_and_not_as_arriving()
    {
        var history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(Sys.Settings.Config), TimeProvider.System));
        void Hold(string from, int i)
        {
            var conversation = Conversation.Direct(from, "alice");
            history.Tell(new Post(conversation, i, from, $"{from} {i}"));
            history.Tell(new Hold("alice", i, conversation, ExpectMsg<Posted>(Wait).MsgId));
            ExpectMsg<HeldOk>(Wait);
        }
        // The first page: 32 from each of three senders, all kept (max-messages = 40 a conversation).
        for (var i = 0; i < InboxActor.PageLines; i++) Hold(new[] { "bob", "carol", "dave" }[i % 3], i);
        // After it, 100 from erin, whose conversation keeps only her newest 40.
        for (var i = 0; i < 100; i++) Hold("erin", 1000 + i);

        history.Tell(new CollectAway("alice"));
        var first = ExpectMsg<AwayReport>(Wait);
        Assert.Equal((InboxActor.PageLines, 100, 40, 60L), (first.Lines.Length, first.More, first.Later, first.Trimmed));

        // What the later pages deliver is what the first one said would arrive.
        var delivered = first.Lines.Length;
        var page = first;
        while (page.More > 0)
        {
            history.Tell(new AwayDelivered("alice", page.UpTo));
            history.Tell(new CollectAway("alice", Next: true));
            page = ExpectMsg<AwayReport>(Wait);
            delivered += page.Lines.Length;
        }
        Assert.Equal(first.Lines.Length + first.Later, delivered);
    }
}

/// <summary>
/// Guests' names cost nothing, so "at most max-held-from-one from one sender" alone would let one peer with many guest
/// names fill a reserved name's inbox for everyone: guests together may hold only max-held-from-guests, and a reserved
/// sender can still leave a message once they have.
/// </summary>
public sealed class GuestInboxSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString(
    "switchboard.history { max-messages = 1000, max-held = 10, max-held-from-one = 3, max-held-from-guests = 6 }").WithFallback(AccountTestConfig.TestJournal()))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Guests_together_fill_at_most_their_share_of_an_inbox_and_a_reserved_sender_still_gets_through()
    {
        var reserved = new ReservedNames();
        reserved.Reserved("alice", 1);
        reserved.Reserved("carol", 1);
        var history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(Sys.Settings.Config), TimeProvider.System, reserved: reserved));
        object Hold(string from, long ticket)
        {
            var conversation = Conversation.Direct(from, "alice");
            history.Tell(new Post(conversation, ticket, from, $"from {from}"));
            var posted = ExpectMsg<Posted>(Wait);
            history.Tell(new Hold("alice", ticket, conversation, posted.MsgId));
            return ExpectMsg<object>(m => m is HeldOk or HistoryFailed, Wait);
        }

        // Three guest names, three messages each: guests together never hold more than their share (6). Once it is full a
        // newcomer among them takes the oldest place of the one holding the most, until it would hold more than they.
        var answers = Enumerable.Range(0, 9).Select(i => Hold($"guest{i / 3}", i + 1)).ToArray();
        Assert.Equal(8, answers.Count(a => a is HeldOk));
        var refused = Assert.IsType<HistoryFailed>(answers[8]);
        Assert.Equal(Codes.Unavailable, refused.Code);
        Assert.Contains("guests", refused.Error);
        Assert.Contains("do not send it again", refused.Error);
        // A reserved sender is not a guest: room is left for it.
        Assert.IsType<HeldOk>(Hold("carol", 20));
        history.Tell(new CollectAway("alice"));
        var held = ExpectMsg<AwayReport>(Wait).Lines.GroupBy(l => l.Line.From).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["guest0"] = 2, ["guest1"] = 2, ["guest2"] = 2, ["carol"] = 1 }, held);
    }
}
