using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.History;

/// <summary>A cluster node's bound on conversations and inboxes in memory: past max-live, the one used least recently is
/// asked to go, once, and one that went leaves room.</summary>
public sealed class LiveEntitiesSpecs : TestKit
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void Past_max_live_the_least_recently_used_entity_is_asked_to_go_once_and_a_stopped_one_leaves_room()
    {
        var live = new LiveEntities(2, _clock);
        var (a, b, c, d) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var entryA = live.Started(a.Ref);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var entryB = live.Started(b.Ref);
        _clock.Advance(TimeSpan.FromSeconds(1));
        entryA.Touch(); // a used after b: b is the least recently used

        var entryC = live.Started(c.Ref);
        b.ExpectMsg<MakeRoom>();
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // b is still stopping: the next newcomer asks another (a, older than c), not b again.
        _clock.Advance(TimeSpan.FromSeconds(1));
        entryC.Touch();
        live.Started(d.Ref);
        a.ExpectMsg<MakeRoom>();
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        entryB.Stopped();
        entryA.Stopped();
        Assert.Equal(2, live.Count);
        // a and b gone, c and d live: a newcomer asks the older of them.
        live.Started(CreateTestProbe().Ref);
        c.ExpectMsg<MakeRoom>();
    }
}
