using Akka.Actor;

namespace Switchboard.Tests.Server.Registry;

/// <summary>The server actors over a real segment that another process of the same user writes into while the node
/// runs (issue point 7): a corrupt counter costs nobody a registration; a file cut short stops the node cleanly
/// with a clear error and exit code 1, not a SIGBUS.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StateTamperSpecs() : ServerActorsFixture(null)
{
    private TestSegment? _segment;
    private SharedSegmentStore? _shared;

    private TestSegment Segment => _segment ??= new TestSegment();

    // called from the base constructor, before this class's fields are set: hence lazy
    private SharedSegmentStore Shared => _shared ??= StateTestSupport.OpenStore(Segment, "test:1");

    protected override IStateStore StoreForState() => Shared;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _shared?.Dispose();
        _segment?.Dispose();
    }

    private void Tamper(Action<SegmentMapping> tamper)
    {
        using var map = SegmentMapping.OpenExisting(Segment.Path, writable: true);
        tamper(map);
    }

    [Fact]
    public void A_negative_next_token_written_into_the_running_segment_costs_no_registration()
    {
        RegisterAs("alice", CreateTestProbe());
        Tamper(map => SegmentLayout.WriteWord(map.Span, SegmentLayout.OffNextToken, -5));
        for (var i = 0; i < 3; i++)
            Assert.Equal(1, RegisterAs($"n{i}", CreateTestProbe()).ClientSeq);
    }

    [Fact]
    public void A_server_seq_written_backwards_never_goes_backwards_in_a_reply()
    {
        var alice = CreateTestProbe();
        var s = RegisterAs("alice", alice).Session;
        s.Tell(new Request(1, "add", ["1", "2"]), alice.Ref);
        var first = alice.ExpectMsg<Reply>();
        Tamper(map => SegmentLayout.WriteWord(map.Span, SegmentLayout.OffServerSeq, -5));
        s.Tell(new Request(2, "add", ["1", "2"]), alice.Ref);
        var next = alice.ExpectMsg<Reply>();
        Assert.Equal(200, next.Code);
        Assert.Equal(first.ServerSeq + 1, next.ServerSeq);
    }

    [Fact]
    public async Task A_segment_cut_short_refuses_with_a_clear_error_and_stops_the_node_with_exit_code_1()
    {
        RegisterAs("alice", CreateTestProbe());
        using (var fs = new FileStream(Segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            fs.SetLength(4096);

        var bob = CreateTestProbe();
        Gateway.Tell(new Register("bob"), bob.Ref);
        var refused = bob.ExpectMsg<Rejected>();
        Assert.Equal(Codes.Unavailable, refused.Code);
        Assert.StartsWith("server state corrupt:", refused.Error);

        await Sys.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20).Scaled());
        Assert.IsType<GatewayActor.RegistryLost>(CoordinatedShutdown.Get(Sys).ShutdownReason);
        Assert.Equal(1, CoordinatedShutdown.Get(Sys).ShutdownReason!.ExitCode);
        Assert.True(Summary.IsComplete);
    }
}
