using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// On a terminal the client acknowledges pushed events only while its console keeps up. A hostile tester's finding: the
/// client actor acknowledged each event as it queued it for the console, so the server's window (256 unacknowledged
/// events a client) never held anything back; a terminal that stopped reading (ssh to a sleeping laptop), or a flood
/// faster than it draws, had the client queue every DM four guests sent it (4,000-byte texts, all answered 200 to their
/// senders): 90 → 352 MB in a minute, and on.
/// </summary>
public sealed class UnshownEventsSpecs() : TestKit(ActorTestConfig.Quiet)
{
    private static readonly Address Server = Address.Parse("akka.tcp://switchboard@127.0.0.1:1");

    [Fact]
    public async Task Events_the_console_has_not_shown_are_not_acknowledged_past_its_backlog_and_are_once_it_shows_them()
    {
        var notices = new Notices();
        var events = new ConsoleEvents("victim", () => null, () => null, new Output(TextWriter.Null, json: false), notices);
        var client = Sys.ActorOf(ClientActor.Props(Server, "victim", events));
        var session = CreateTestProbe();
        var connected = new TaskCompletionSource<ISwitchboardMessage?>();
        client.Tell(new ClientActor.Connect(connected));
        client.Tell(new Registered(session.Ref, 1, 7, "127.0.0.1:1"));
        Assert.IsType<Registered>(await connected.Task.WaitAsync(TimeSpan.FromSeconds(5).Scaled()));

        // Nobody takes the notices (the console is stuck writing): the session pushes far more than the backlog.
        const int pushed = 4 * Notices.MaxUnshown;
        var text = new string('x', 4000);
        for (var i = 0; i < pushed; i++) client.Tell(new Incoming("mallory", $"{i} {text}", true, null, false));
        await AwaitConditionAsync(() => Task.FromResult(notices.Count == pushed), TimeSpan.FromSeconds(10).Scaled());

        // Whatever was acknowledged, the console held most of it unshown; the rest stays the server's to hold back.
        var highest = await HighestAckAsync(session, TimeSpan.FromMilliseconds(600));
        Assert.True(highest <= Notices.MaxUnshown + 16, $"acknowledged {highest} of {pushed} events while none was shown");

        // Shown: acknowledged, all of them.
        while (notices.TryTake(out _)) { }
        await AwaitAssertAsync(async () => Assert.Equal(pushed, await HighestAckAsync(session, TimeSpan.FromMilliseconds(300))),
            TimeSpan.FromSeconds(10).Scaled());
    }

    private long _highest;

    // The highest Ack the session has been sent so far (waiting <paramref name="quiet"/> for more).
    private async Task<long> HighestAckAsync(Akka.TestKit.TestProbe session, TimeSpan quiet)
    {
        while (true)
        {
            var got = await session.ReceiveOneAsync(quiet);
            if (got is null) return _highest;
            if (got is Ack a) _highest = Math.Max(_highest, a.Received);
        }
    }
}
