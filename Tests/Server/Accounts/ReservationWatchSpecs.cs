using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// The watch of a shared data file (<see cref="ReservationWatchActor"/>) reads back this node's own account rows too.
/// What it reads may be older than what this node's account actors have applied since (a reservation read, then released
/// here before the read is applied): it must not bring an older state back, nor tell a change a second time.
/// </summary>
public sealed class ReservationWatchSpecs() : TestKit(ActorTestConfig.Server())
{
    private static readonly StoredPassword Password = new([1, 2, 3], [4, 5, 6], 1);

    [Fact]
    public void A_row_of_this_node_read_back_after_a_newer_change_here_changes_nothing_and_is_not_told()
    {
        var reserved = new ReservedNames();
        // This node's account actor: alice reserved (her row 1), then released (row 2), applied as they were written.
        Assert.True(reserved.Apply("alice", new NameReserved(Password, 1000), 1));
        Assert.True(reserved.Apply("alice", ReservationReleased.Instance, 2));
        var heard = CreateTestProbe();
        Sys.EventStream.Subscribe(heard.Ref, typeof(ReservationChanged));

        // The watch's read saw only the first of them. A second read starts only once the first was applied (and anything
        // it told was told): waiting for it, not for a time, says the first is done however slow the machine.
        var stale = new AccountEventsRead(1, [("alice", new NameReserved(Password, 1000), 1)]);
        var calls = 0;
        Sys.ActorOf(ReservationWatchActor.Props(_ => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? stale : new AccountEventsRead(1, [])), 0,
            reserved, TimeSpan.FromMilliseconds(50)));
        AwaitCondition(() => Volatile.Read(ref calls) >= 2, TimeSpan.FromSeconds(20));

        heard.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.False(reserved.IsReserved("alice"));
    }

    [Fact]
    public void A_change_applied_by_the_watch_first_is_not_news_to_the_account_actor_that_wrote_it()
    {
        var reserved = new ReservedNames();
        Assert.True(reserved.Apply("alice", new NameReserved(Password, 1000), 1));
        // The account actor's persist callback, run after the watch read its row: already known, so not told again.
        Assert.Null(reserved.Apply("alice", new NameReserved(Password, 1000), 1));
    }
}

/// <summary>What the watch logs when reading the shared file fails, and when it works again.</summary>
public sealed class ReservationWatchLogSpecs() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = INFO")
    .WithFallback(ActorTestConfig.Server()))
{
    // An operator tester read "tried again every 00:00:01" and then nothing when it worked again.
    [Fact]
    public void A_failing_read_is_logged_once_in_seconds_and_its_end_is_logged_too()
    {
        var calls = 0;
        var fail = Task.FromException<AccountEventsRead>(new IOException("disk I/O error"));
        EventFilter.Warning("reading other nodes' account changes failed (tried again every 0.1 s): disk I/O error").ExpectOne(
            TimeSpan.FromSeconds(20), () =>
                EventFilter.Info("reading other nodes' account changes works again").ExpectOne(TimeSpan.FromSeconds(20), () =>
                    Sys.ActorOf(ReservationWatchActor.Props(
                        _ => Interlocked.Increment(ref calls) <= 3 ? fail : Task.FromResult(new AccountEventsRead(0, [])), 0,
                        new ReservedNames(), TimeSpan.FromMilliseconds(100)))));
    }
}
