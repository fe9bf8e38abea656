using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Rooms;

/// <summary>
/// A <c>rooms</c> list costs the same however many rooms exist (hostile tester hA, 2026-12-07: one host's names make
/// 32,768 rooms for nothing, and ranking them all at each list kept the node's one rooms actor busy while others' joins
/// waited). The cost is read as the bytes the rooms actor allocates per list on the test's own thread (a
/// <c>TestActorRef</c> runs on it), which the machine's speed does not change.
/// </summary>
public sealed class RoomsListCostSpecs(Xunit.Abstractions.ITestOutputHelper output) : TestKit(ActorTestConfig.Server())
{
    private const int Lists = 50;

    // Bytes one list allocates with `sessions` clients each in `each` rooms of their own (every list is a full answer).
    private long AllocatedPerList(int sessions, int each)
    {
        var rooms = ActorOfAsTestActorRef<RoomsActor>(
            RoomsActor.Props(new RoomsSettings(History: 50, HistoryBytes: 65536, MaxRooms: 256, PerClient: each), TestActor, null));
        var holders = Enumerable.Range(0, sessions).Select(_ => CreateTestProbe()).ToArray();
        var id = 0L;
        foreach (var holder in holders)
            for (var j = 0; j < each; j++) rooms.Tell(new JoinLocal(++id, $"#r{id}", holder.Ref));
        var asker = CreateTestProbe();
        rooms.Tell(new RoomsQuery(++id, asker.Ref));
        Assert.Equal(RoomsActor.MaxListed, asker.ExpectMsg<RoomsList>().Rooms.Length);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Lists; i++) rooms.Tell(new RoomsQuery(++id, asker.Ref));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        asker.ReceiveN(Lists);
        return allocated / Lists;
    }

    [Fact]
    public void A_rooms_list_among_thirty_two_times_more_rooms_costs_about_the_same()
    {
        var few = AllocatedPerList(sessions: 2, each: 256);
        var many = AllocatedPerList(sessions: 32, each: 512);
        output.WriteLine($"{few} {many}");
        Assert.True(many < 2 * few, $"a list allocated {many:N0} bytes among 16,384 rooms, {few:N0} among 512");
    }
}
