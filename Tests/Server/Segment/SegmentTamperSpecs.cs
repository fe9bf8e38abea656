using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Segment;

/// <summary>
/// A process of the same user writes into the segment of a running node (issue point 7): the header and the counters
/// are checked where a request reads them, so a corrupt value is repaired (and said once) or refused with a specific
/// error, never a lockout; a file cut short is detected before the mapping is touched, not by SIGBUS.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SegmentTamperSpecs : IDisposable
{
    readonly TestSegment _seg = new();
    readonly ListLogger _log = new();
    readonly SharedSegmentStore _store;

    public SegmentTamperSpecs() => _store = OpenStore(_seg, log: _log);

    public void Dispose()
    {
        _store.Dispose();
        _seg.Dispose();
    }

    /// <summary>Writes into the running segment through a mapping of its own, as another process would.</summary>
    void Tamper(SpanAction tamper)
    {
        using var map = SegmentMapping.OpenExisting(_seg.Path, writable: true);
        tamper(map.Span);
    }

    delegate void SpanAction(Span<byte> seg);

    void SetCounter(int offset, long value) => Tamper(seg => SegmentLayout.WriteWord(seg, offset, value));

    long Counter(int offset)
    {
        using var map = SegmentMapping.OpenExisting(_seg.Path, writable: false);
        return SegmentLayout.ReadWord(map.ReadOnly, offset);
    }

    void AssertSaneForOtherNodes()
    {
        using (var map = SegmentMapping.OpenExisting(_seg.Path, writable: false))
            Assert.True(SegmentRepair.CountersAreSane(map.ReadOnly, out var detail), detail);
        using var other = OpenStore(_seg, "127.0.0.1:4054"); // a node that starts now is not refused
    }

    int RepairWarnings(string what) => _log.Warnings.Count(w => w.Contains(what) && w.Contains("repaired"));

    [Fact]
    public void A_sessions_counting_on_a_healthy_segment_allocates_nothing()
    {
        var counter = _store.CounterFor(_store.Claim("alice").Slot);
        var one = new SeqPair[1];
        var four = new SeqPair[4];
        for (var i = 0; i < 10; i++) counter.TryCount(one); // warm up (JIT, first-use caches)
        var counted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            if (counter.TryCount(one) == Counting.Counted) counted++;
            if (counter.TryCount(four) == Counting.Counted) counted++;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before); // read before any assertion (xunit's allocate)
        Assert.Equal(200, counted);
        Assert.Equal(new SeqPair(511, 511), four[^1]); // registration, 10 + 100 × 5 replies
        Assert.Empty(_log.Warnings);
    }

    // ------------------------------------------------------------------ nextToken

    [Theory]
    [InlineData(-5L)]
    [InlineData(0L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(1L << 62)]
    public void A_corrupt_next_token_is_repaired_from_the_tokens_in_use_and_registrations_go_on(long corrupt)
    {
        var alice = _store.Claim("alice");
        var bob = _store.Claim("bob");
        _store.Release(_store.Claim("carol").Slot); // a token issued here and no longer in the table
        SetCounter(SegmentLayout.OffNextToken, corrupt);

        var dave = _store.Claim("dave");
        Assert.Equal(ClaimStatus.Claimed, dave.Status);
        Assert.True(dave.Slot.Token > 3, $"token {dave.Slot.Token} must be above every token issued (3)");
        Assert.True(dave.Slot.Token < 1L << 60, $"token {dave.Slot.Token} must be repaired, not carried on from {corrupt}");
        Assert.All(new[] { alice, bob }, c => Assert.NotEqual(c.Slot.Token, dave.Slot.Token));
        var erin = _store.Claim("erin");
        Assert.Equal(dave.Slot.Token + 1, erin.Slot.Token);
        Assert.Equal(1, RepairWarnings($"nextToken {corrupt}")); // said once, not at every registration
        AssertSaneForOtherNodes();
    }

    [Fact]
    public void A_next_token_below_a_token_in_use_is_raised_above_it()
    {
        using var other = OpenStore(_seg, "127.0.0.1:4054");
        for (var i = 0; i < 5; i++) other.Claim($"o{i}"); // tokens 2..6, issued by the other node, unseen here
        SetCounter(SegmentLayout.OffNextToken, 2);

        var mine = _store.Claim("mine");
        Assert.Equal(7, mine.Slot.Token);
        Assert.Equal(1, RepairWarnings("nextToken 2"));
    }

    // ------------------------------------------------------------------ serverSeq and the totals

    // The request path: a session's counter takes its numbers by atomic adds, without the lock (a jump forward within
    // range cannot be told from other nodes' counting, and is kept).
    [Theory]
    [InlineData(3L)]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MaxValue - 1)]
    [InlineData(SegmentLayout.MaxServerSeq)]
    [InlineData(SegmentLayout.MaxServerSeq + 1)]
    public void A_server_seq_written_backwards_or_out_of_range_under_a_session_is_repaired_by_its_next_reply(long corrupt)
    {
        var alice = _store.Claim("alice");
        var counter = _store.CounterFor(alice.Slot);
        var seqs = new SeqPair[1];
        for (var i = 0; i < 10; i++) Assert.Equal(Counting.Counted, counter.TryCount(seqs));
        Assert.Equal(new SeqPair(11, 11), seqs[0]);
        SetCounter(SegmentLayout.OffServerSeq, corrupt);

        Assert.Equal(Counting.Counted, counter.TryCount(seqs));
        Assert.Equal(new SeqPair(12, 12), seqs[0]);
        var batch = new SeqPair[3];
        Assert.Equal(Counting.Counted, counter.TryCount(batch));
        Assert.Equal([new SeqPair(13, 13), new SeqPair(14, 14), new SeqPair(15, 15)], batch);
        Assert.Equal(new SeqPair(1, 16), _store.Claim("bob").Seq);
        Assert.Equal(1, RepairWarnings($"serverSeq {corrupt}"));
        AssertSaneForOtherNodes();
    }

    [Fact]
    public void A_server_seq_below_the_totals_it_bounds_is_raised_to_them()
    {
        using var other = OpenStore(_seg, "127.0.0.1:4054");
        var o = other.Claim("other");
        var counter = other.CounterFor(o.Slot);
        for (var i = 0; i < 20; i++) counter.Next(); // serverSeq 21, unseen here
        SetCounter(SegmentLayout.OffServerSeq, 2);

        var alice = _store.Claim("alice");
        Assert.Equal(22, alice.Seq.ServerSeq); // 20 requests + 1 registration counted, then this one
        Assert.Equal(1, RepairWarnings("serverSeq 2"));
    }

    [Theory]
    [InlineData(SegmentLayout.OffTotalRequests)]
    [InlineData(SegmentLayout.OffTotalRegistrations)]
    public void A_negative_total_is_repaired_at_the_next_registration_to_what_the_table_proves_and_the_segment_stays_open_to_other_nodes(int offset)
    {
        var counter = _store.CounterFor(_store.Claim("alice").Slot);
        counter.Next();
        SetCounter(offset, -9);

        Assert.Equal(ClaimStatus.Claimed, _store.Claim("bob").Status);
        Assert.Equal(new SeqPair(3, 4), counter.Next());
        Assert.True(Counter(offset) >= 1);
        Assert.Single(_log.Warnings, w => w.Contains("-9") && w.Contains("repaired"));
        AssertSaneForOtherNodes();
    }

    [Fact]
    public void Corrupt_totals_found_by_maintenance_are_raised_to_what_the_table_proves()
    {
        var counter = _store.CounterFor(_store.Claim("alice").Slot);
        for (var i = 0; i < 4; i++) counter.Next();
        // well in range and not below anything this node counted since: only the table proves them wrong
        Tamper(seg =>
        {
            SegmentLayout.WriteWord(seg, SegmentLayout.OffTotalRequests, 4);
            SegmentLayout.WriteWord(seg, SegmentLayout.OffNextToken, 2);
            ClientSlots.Write(SegmentLayout.SlotSpan(seg, 9), new ClientSlot(_store.NodeIndex, "ghost", 50, 1, 77));
        });
        _store.Maintain();
        Assert.True(Counter(SegmentLayout.OffTotalRequests) >= 54);
        Assert.True(Counter(SegmentLayout.OffNextToken) >= 77);
        AssertSaneForOtherNodes();
    }

    // ------------------------------------------------------------------ a client's count

    [Theory]
    [InlineData(-7L)]
    [InlineData(0L)]
    [InlineData(1_000_000_000_000L)]
    [InlineData(long.MaxValue)]
    public void A_count_written_under_a_session_is_put_back_at_its_next_reply_and_its_numbers_go_on(long corrupt)
    {
        var alice = _store.Claim("alice");
        var counter = _store.CounterFor(alice.Slot);
        for (var i = 0; i < 3; i++) counter.Next();
        // the requests word (outside the checksum: the session writes it without the lock)
        Tamper(seg => System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(SegmentLayout.SlotSpan(seg, alice.Slot.Index)[48..], corrupt));
        Assert.Equal(new SeqPair(5, 5), counter.Next()); // registration + 3 requests + this one
        Assert.True(_store.TryFind("alice", out var entry));
        Assert.Equal(4, entry.Requests);
        AssertSaneForOtherNodes();
    }

    // ------------------------------------------------------------------ the header

    [Fact]
    public void A_header_changed_under_a_running_node_is_restored_and_other_nodes_can_still_open_it()
    {
        var alice = _store.Claim("alice");
        Tamper(seg =>
        {
            seg[..8].Fill(0xEE); // magic
            seg[32] ^= 0xFF; // generation
        });
        Assert.Equal(ClaimStatus.Claimed, _store.Claim("bob").Status);
        Assert.Single(_log.Warnings, w => w.Contains("header") && w.Contains("restored"));
        Assert.Equal(new SeqPair(2, 3), _store.CounterFor(alice.Slot).Next());
        AssertSaneForOtherNodes();
        using var map = SegmentMapping.OpenExisting(_seg.Path, writable: false);
        Assert.Equal(SegmentLayout.HeaderCheck.Valid, SegmentLayout.CheckHeader(map.ReadOnly, out _));
        Assert.Equal(1UL, SegmentLayout.Generation(map.ReadOnly));
    }

    // ------------------------------------------------------------------ the file's length

    [Theory]
    [InlineData(0L)]
    [InlineData(4096L)]
    [InlineData(SegmentLayout.TotalSize - 1L)]
    public void A_segment_cut_short_under_a_running_node_is_detected_before_it_is_read_and_refused_for_good(long length)
    {
        var counter = _store.CounterFor(_store.Claim("alice").Slot);
        using (var fs = new FileStream(_seg.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            fs.SetLength(length);

        // each of these would touch a page past the end of the file (SIGBUS, the process gone) without the check
        Assert.Equal(Counting.Broken, counter.CountOne(out _));
        Assert.Contains("server state corrupt", counter.Broken);
        Assert.Contains($"{length} bytes", counter.Broken);
        Assert.Equal(SegmentFault.Truncated, Assert.Throws<SegmentException>(() => _store.Claim("bob")).Fault);
        Assert.Equal(SegmentFault.Truncated, Assert.Throws<SegmentException>(() => _store.Snapshot()).Fault);
        Assert.Equal(SegmentFault.Truncated, Assert.Throws<SegmentException>(() => _store.Maintain()).Fault);
        // refused for good even if the length comes back: what was cut away is gone, and the other nodes saw it too
        using (var fs = new FileStream(_seg.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            fs.SetLength(SegmentLayout.TotalSize);
        Assert.Equal(Counting.Broken, counter.CountOne(out _));
        Assert.Equal(SegmentFault.Truncated, Assert.Throws<SegmentException>(() => _store.Claim("carol")).Fault);
        Assert.Single(_log.Entries, x => x.Level == Microsoft.Extensions.Logging.LogLevel.Error && x.Message.Contains("server state corrupt"));
        _store.Dispose(); // leaving does not touch the mapping either
    }

    [Fact]
    public void A_segment_grown_under_a_running_node_is_cut_back_to_its_layout()
    {
        var alice = _store.Claim("alice");
        using (var fs = new FileStream(_seg.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            fs.SetLength(SegmentLayout.TotalSize + 4096);
        Assert.Equal(ClaimStatus.Claimed, _store.Claim("bob").Status);
        Assert.Equal(new SeqPair(2, 3), _store.CounterFor(alice.Slot).Next());
        Assert.Equal(SegmentLayout.TotalSize, new FileInfo(_seg.Path).Length);
        Assert.Single(_log.Warnings, w => w.Contains("grew") && w.Contains("repaired"));
        AssertSaneForOtherNodes();
    }
}
