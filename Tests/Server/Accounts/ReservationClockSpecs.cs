using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// A reservation's start against the server's clock stepping back (NTP, an operator): a direct conversation shows a
/// reserved party only what came from its reservation on, by time, and times never go back within a conversation; so a
/// name released and reserved again while the clock is behind the earlier messages' times must still start after them.
/// The accounts and the history share one clock (injected) and one list of reserved names, as a node's do.
/// </summary>
public sealed class ReservationClockSpecs() : TestKit(AccountTestConfig.TestJournal())
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-12-03T12:00:00Z"));
    private readonly ReservedNames _reserved = new();

    private OpOutcome Command(IActorRef accounts, string name, AccountAction action, string password, string host = "10.0.0.1")
    {
        accounts.Tell(new AccountRequest(name, host, new AccountCommand(7, action, password, null)));
        return ExpectMsg<AccountAnswer>(Wait).Outcome;
    }

    private Posted Post(IActorRef history, Conversation c, long ticket, string text, string from)
    {
        history.Tell(new Post(c, ticket, from, text));
        return ExpectMsg<Posted>(Wait);
    }

    private string[] Read(IActorRef history, Conversation c, long sinceMs)
    {
        history.Tell(new ReadHistory(c, 1, HistoryAnchor.Latest, 0, 10, sinceMs));
        return [.. ExpectMsg<HistoryPage>(Wait).Lines.Select(l => l.Text)];
    }

    [Fact]
    public void A_name_reserved_again_after_the_clock_stepped_back_sees_none_of_the_earlier_owners_direct_messages()
    {
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), _clock, _reserved));
        var history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(Sys.Settings.Config), _clock, reserved: _reserved));
        var dms = Conversation.Direct("bobx", "gal1");
        Assert.Equal(Codes.Ok, Command(accounts, "gal1", AccountAction.Reserve, "first-owner").Code);
        _clock.Advance(TimeSpan.FromMinutes(10));
        Post(history, dms, 1, "for the first gal1 only", "bobx");
        Assert.Equal(Codes.Ok, Command(accounts, "gal1", AccountAction.Release, "first-owner").Code);

        // The clock steps back an hour; someone else reserves gal1.
        _clock.Advance(TimeSpan.FromHours(-1));
        Assert.Equal(Codes.Ok, Command(accounts, "gal1", AccountAction.Reserve, "second-owner", host: "10.0.0.2").Code);
        var since = _reserved.Since("gal1")!.Value;
        Assert.Empty(Read(history, dms, since));

        // What comes from now on is the new owner's, though the clock is still behind.
        Post(history, dms, 2, "for the second gal1", "bobx");
        Assert.Equal(["for the second gal1"], Read(history, dms, since));
    }

    // A guest's conversation, let go from memory before the clock stepped back and read back from the store after the
    // name was reserved: none of it is the owner's.
    [Fact]
    public void A_conversation_let_go_before_the_clock_stepped_back_is_hidden_from_the_next_owner_too()
    {
        var settings = HistorySettings.Create(Sys.Settings.Config) with { MaxLive = 1 };
        var accounts = Sys.ActorOf(AccountsActor.Props(AccountSettings.Create(Sys.Settings.Config), _clock, _reserved));
        var history = Sys.ActorOf(HistoryActor.Props(settings, _clock, reserved: _reserved));
        var dms = Conversation.Direct("bobx", "gal1");
        _clock.Advance(TimeSpan.FromMinutes(10));
        Post(history, dms, 1, "to the guest gal1", "bobx");
        Post(history, Conversation.Direct("bobx", "carol"), 2, "another conversation takes its place in memory", "bobx");

        _clock.Advance(TimeSpan.FromHours(-1));
        Assert.Equal(Codes.Ok, Command(accounts, "gal1", AccountAction.Reserve, "owner").Code);
        Assert.Empty(Read(history, dms, _reserved.Since("gal1")!.Value));
    }

    // A reservation another node made (a segment's node sharing the data directory, read from the file; a cluster's
    // notice) with its clock ahead of this node's: the messages this node keeps after it are the owner's, so they are
    // stamped no earlier than its start; stamped by this node's clock alone, the owner did not see them until that clock
    // caught up (hostile tester hC).
    [Theory]
    [InlineData("read from the shared file")]
    [InlineData("heard from a cluster node")]
    public void A_reservation_from_another_node_ahead_of_this_clock_sees_the_messages_kept_after_it(string how)
    {
        var history = Sys.ActorOf(HistoryActor.Props(HistorySettings.Create(Sys.Settings.Config), _clock, reserved: _reserved));
        var since = _clock.GetUtcNow().AddMinutes(1).ToUnixTimeMilliseconds();
        var told = how == "heard from a cluster node"
            ? _reserved.Heard("gal1", since, 1)
            : _reserved.Apply("gal1", new NameReserved(new StoredPassword([1, 2, 3], [4, 5, 6], 1), since), 1);
        Assert.True(told);

        var dms = Conversation.Direct("bobx", "gal1");
        Assert.True(Post(history, dms, 1, "for the owner", "bobx").TimeMs >= since);
        Assert.Equal(["for the owner"], Read(history, dms, since));
    }
}
