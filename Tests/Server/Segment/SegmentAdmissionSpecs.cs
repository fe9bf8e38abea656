using System.Buffers.Binary;

namespace Switchboard.Tests.Server.Segment;

/// <summary>The reuse/rebuild/refuse rule over bytes built in memory: no files, and liveness is whatever a spec says.</summary>
public class SegmentAdmissionSpecs
{
    const uint Me = 1000;
    const string Path = "/dev/shm/sbtest-admission";
    const int LivePid = 4242;
    static readonly ProcessLiveness NobodyAlive = (_, _) => false;
    static readonly ProcessLiveness LivePidAlive = (pid, _) => pid == LivePid;

    /// <summary>A valid segment of generation 7 with one node row of <see cref="LivePid"/>.</summary>
    static byte[] Segment(uint owner = Me)
    {
        var seg = new byte[SegmentLayout.TotalSize];
        SegmentLayout.Initialize(seg, generation: 7, createdUnixMs: 1, owner);
        NodeRows.Write(SegmentLayout.NodeRowSpan(seg.AsSpan(), 0), new NodeRow(LivePid, 1, 1, 1, "127.0.0.1:4053"));
        return seg;
    }

    static byte[] DamagedHeader()
    {
        var seg = Segment();
        seg[40] ^= 0xFF; // the creation time: covered by the header checksum, so the checksum no longer matches
        return seg;
    }

    const uint RegularFile = 0x8000, Mode0600 = RegularFile | 0x180, SymbolicLink = 0xA000 | 0x1FF;

    static FileStatus File(uint owner = Me, uint mode = Mode0600) => new(owner, mode, 1, SegmentLayout.TotalSize);

    static Admission Store(byte[] prefix, ProcessLiveness? alive = null, uint fileOwner = Me, uint mode = Mode0600) =>
        SegmentAdmission.ForStore(Path, Me, File(fileOwner, mode), () => prefix, alive ?? NobodyAlive);

    static Admission Reader(byte[] prefix, uint fileOwner = Me, uint mode = Mode0600) =>
        SegmentAdmission.ForReader("sbtest-admission", Path, Me, File(fileOwner, mode), () => prefix);

    static Admission.Refuse Refused(Admission a, SegmentFault fault)
    {
        var refuse = Assert.IsType<Admission.Refuse>(a);
        Assert.Equal(fault, refuse.Fault);
        Assert.Equal(fault, refuse.ToException().Fault);
        return refuse;
    }

    // ---------------------------------------------------------------- the store's rule

    [Fact]
    public void A_valid_segment_of_this_user_is_reused()
    {
        Assert.IsType<Admission.Reuse>(Store(Segment(), LivePidAlive));
    }

    [Fact]
    public void A_file_of_another_user_is_refused_without_reading_it()
    {
        var a = SegmentAdmission.ForStore(Path, Me, File(Me + 1), () => throw new InvalidOperationException("read"), NobodyAlive);
        Assert.Equal($"{Path} belongs to uid {Me + 1}, not to this user (uid {Me}); refusing to map it", Refused(a, SegmentFault.NotOwned).Message);
    }

    [Fact]
    public void A_valid_header_naming_another_owner_is_refused()
    {
        var r = Refused(Store(Segment(owner: Me + 1)), SegmentFault.NotOwned);
        Assert.Equal($"{Path} was created by uid {Me + 1}, not this user (uid {Me})", r.Message);
    }

    [Fact]
    public void A_well_formed_header_of_another_layout_is_refused()
    {
        var seg = Segment();
        BinaryPrimitives.WriteUInt32LittleEndian(seg.AsSpan(8), SegmentLayout.Version + 1);
        SegmentLayout.ResealHeader(seg);
        var r = Refused(Store(seg), SegmentFault.IncompatibleLayout);
        Assert.EndsWith("; stop the nodes using it, or remove the file", r.Message);
    }

    [Fact]
    public void A_file_with_another_magic_is_refused()
    {
        var seg = Segment();
        seg[0] ^= 0xFF;
        Assert.Contains("is not a switchboard segment", Refused(Store(seg), SegmentFault.NotASegment).Message);
    }

    [Fact]
    public void A_non_zero_file_shorter_than_the_header_is_refused()
    {
        Refused(Store([0, 0, 1]), SegmentFault.NotASegment);
    }

    [Fact]
    public void A_damaged_header_with_a_live_node_row_is_refused()
    {
        var r = Refused(Store(DamagedHeader(), LivePidAlive), SegmentFault.CorruptWhileInUse);
        Assert.Equal($"{Path} is damaged (header checksum mismatch) but node 127.0.0.1:4053 (pid {LivePid}) is still alive; refusing to rebuild it", r.Message);
    }

    [Fact]
    public void A_damaged_header_whose_nodes_are_all_gone_is_rebuilt_as_the_next_generation()
    {
        Assert.Equal(new Admission.Rebuild("header checksum mismatch", 8), Store(DamagedHeader()));
    }

    [Fact]
    public void A_valid_header_in_a_file_of_the_wrong_length_is_rebuilt_unless_a_node_lives()
    {
        var shorter = Segment()[..(SegmentLayout.TotalSize - SegmentLayout.SlotSize)];
        var rebuild = Assert.IsType<Admission.Rebuild>(Store(shorter));
        Assert.Equal(8UL, rebuild.Generation);
        Assert.Contains($"the layout needs {SegmentLayout.TotalSize}", rebuild.Detail);
        Refused(Store(shorter, LivePidAlive), SegmentFault.CorruptWhileInUse);
    }

    [Fact]
    public void An_empty_or_zeroed_file_from_a_creation_cut_short_is_rebuilt_as_generation_one()
    {
        Assert.Equal(1UL, Assert.IsType<Admission.Rebuild>(Store([])).Generation);
        Assert.Equal(1UL, Assert.IsType<Admission.Rebuild>(Store(new byte[SegmentLayout.TotalSize])).Generation);
    }

    [Fact]
    public void A_damaged_prefix_too_short_for_the_node_table_has_no_live_node()
    {
        var prefix = DamagedHeader()[..(SegmentLayout.ClientTableOffset - 1)];
        Assert.IsType<Admission.Rebuild>(Store(prefix, LivePidAlive));
    }

    // ---------------------------------------------------------------- the reader's rule (it never repairs)

    [Fact]
    public void The_reader_uses_a_valid_segment_of_this_user()
    {
        Assert.IsType<Admission.Reuse>(Reader(Segment()));
    }

    [Fact]
    public void The_reader_refuses_a_damaged_header_that_a_node_would_rebuild()
    {
        Assert.IsType<Admission.Rebuild>(Store(DamagedHeader()));
        var r = Refused(Reader(DamagedHeader()), SegmentFault.Corrupt);
        Assert.Equal($"segment 'sbtest-admission' ({Path}) is invalid: header checksum mismatch", r.Message);
        Refused(Reader([]), SegmentFault.Corrupt);
    }

    [Fact]
    public void The_reader_refuses_files_of_another_user_or_owner()
    {
        var file = SegmentAdmission.ForReader("sbtest-admission", Path, Me, File(Me + 1), () => throw new InvalidOperationException("read"));
        Assert.Equal($"{Path} belongs to uid {Me + 1}, not to this user (uid {Me})", Refused(file, SegmentFault.NotOwned).Message);
        Refused(Reader(Segment(owner: Me + 1)), SegmentFault.NotOwned);
    }

    [Fact]
    public void The_reader_refuses_other_files_and_layouts_as_the_store_does()
    {
        var magic = Segment();
        magic[0] ^= 0xFF;
        Refused(Reader(magic), SegmentFault.NotASegment);
        Refused(Reader([0, 0, 1]), SegmentFault.NotASegment);
        var layout = Segment();
        BinaryPrimitives.WriteUInt32LittleEndian(layout.AsSpan(8), SegmentLayout.Version + 1);
        SegmentLayout.ResealHeader(layout);
        Refused(Reader(layout), SegmentFault.IncompatibleLayout);
    }

    // ---------------------------------------------------------------- the file's mode and type (security: the segment is 0600 and ours)

    [Theory]
    [InlineData(0x1B6u)] // 0666
    [InlineData(0x1A0u)] // 0640
    [InlineData(0x184u)] // 0604
    [InlineData(0x980u)] // 04600 (setuid)
    public void A_valid_segment_open_to_other_users_is_rebuilt_when_no_node_lives_and_refused_otherwise(uint permissions)
    {
        var rebuild = Assert.IsType<Admission.Rebuild>(Store(Segment(), mode: RegularFile | permissions));
        Assert.Equal(8UL, rebuild.Generation);
        Assert.Contains($"mode 0{Convert.ToString(permissions, 8)} lets other users open it", rebuild.Detail);
        var r = Refused(Store(Segment(), LivePidAlive, mode: RegularFile | permissions), SegmentFault.NotOwned);
        Assert.Contains($"node 127.0.0.1:4053 (pid {LivePid}) is still alive", r.Message);
    }

    [Fact]
    public void A_damaged_segment_open_to_other_users_says_both()
    {
        var rebuild = Assert.IsType<Admission.Rebuild>(Store(DamagedHeader(), mode: RegularFile | 0x1B6));
        Assert.Equal("header checksum mismatch; and mode 0666 lets other users open it", rebuild.Detail);
    }

    [Fact]
    public void An_unrecognised_file_open_to_other_users_is_still_never_overwritten()
    {
        var seg = Segment();
        seg[0] ^= 0xFF;
        Refused(Store(seg, mode: RegularFile | 0x1B6), SegmentFault.NotASegment);
    }

    [Fact]
    public void Something_that_is_not_a_regular_file_is_refused_without_reading_it()
    {
        var a = SegmentAdmission.ForStore(Path, Me, File(mode: SymbolicLink), () => throw new InvalidOperationException("read"), NobodyAlive);
        Assert.Contains("is not a regular file", Refused(a, SegmentFault.NotASegment).Message);
        var r = SegmentAdmission.ForReader("sbtest-admission", Path, Me, File(mode: SymbolicLink), () => throw new InvalidOperationException("read"));
        Refused(r, SegmentFault.NotASegment);
    }

    [Fact]
    public void The_reader_refuses_a_segment_open_to_other_users_without_reading_it()
    {
        var r = SegmentAdmission.ForReader("sbtest-admission", Path, Me, File(mode: RegularFile | 0x1B6), () => throw new InvalidOperationException("read"));
        Assert.Equal($"{Path} is mode 0666, open to other users: its contents cannot be trusted", Refused(r, SegmentFault.NotOwned).Message);
    }

    // ---------------------------------------------------------------- grow-only counters

    /// <summary><see cref="Segment"/> with one client (token 5, 3 requests) and the counters a store would have left.</summary>
    static byte[] SegmentWithClient(long? serverSeq = null, long? requests = null, long? registrations = null, long? nextToken = null)
    {
        var seg = Segment();
        ClientSlots.Write(SegmentLayout.SlotSpan(seg.AsSpan(), 9), new ClientSlot(0, "alice", 3, 1, 5));
        SegmentLayout.WriteWord(seg, SegmentLayout.OffServerSeq, serverSeq ?? 4);
        SegmentLayout.WriteWord(seg, SegmentLayout.OffTotalRequests, requests ?? 3);
        SegmentLayout.WriteWord(seg, SegmentLayout.OffTotalRegistrations, registrations ?? 1);
        SegmentLayout.WriteWord(seg, SegmentLayout.OffNextToken, nextToken ?? 5);
        return seg;
    }

    [Fact]
    public void Counters_that_bound_what_the_table_holds_are_sane()
    {
        Assert.IsType<Admission.Reuse>(Store(SegmentWithClient(), LivePidAlive));
        Assert.IsType<Admission.Reuse>(Reader(SegmentWithClient()));
        // over is fine: a writer killed between two increments, or clients that left
        Assert.IsType<Admission.Reuse>(Store(SegmentWithClient(serverSeq: 100, requests: 50, registrations: 9, nextToken: 77), LivePidAlive));
    }

    public static TheoryData<string, long?, long?, long?, long?> DamagedCounters => new()
    {
        { "out of range", -1, null, null, null },
        { "out of range", null, -1, null, null },
        { "out of range", null, null, -1, null },
        { "out of range", null, null, null, 0 },
        { "nextToken 4 is less than the token 5 of a client slot", null, null, null, 4 },
        { "totalRegistrations 0 is less than the 1 clients in the table", 3, null, 0, null },
        { "totalRequests 2 is less than the 3 requests of the clients in the table", 3, 2, null, null },
        { "serverSeq 3 is less than totalRequests 3 + totalRegistrations 1", 3, null, null, null },
        { "serverSeq 9 is less than totalRequests 9223372036854775807 + totalRegistrations 1", 9, long.MaxValue, null, null },
    };

    [Theory]
    [MemberData(nameof(DamagedCounters))]
    public void Impossible_counters_are_damage_rebuilt_when_no_node_lives_and_refused_otherwise(
        string expected, long? serverSeq, long? requests, long? registrations, long? nextToken)
    {
        var seg = SegmentWithClient(serverSeq, requests, registrations, nextToken);
        var rebuild = Assert.IsType<Admission.Rebuild>(Store(seg));
        Assert.Contains(expected, rebuild.Detail);
        Assert.Equal(8UL, rebuild.Generation);
        Assert.Contains(expected, Refused(Store(seg, LivePidAlive), SegmentFault.CorruptWhileInUse).Message);
        Assert.Contains(expected, Refused(Reader(seg), SegmentFault.Corrupt).Message);
    }

    [Fact]
    public void A_torn_slot_does_not_count_against_the_counters()
    {
        var seg = SegmentWithClient(serverSeq: 0, requests: 0, registrations: 0, nextToken: 1);
        Assert.IsType<Admission.Rebuild>(Store(seg));
        SegmentRow.BeginWrite(SegmentLayout.SlotSpan(seg.AsSpan(), 9)); // torn: dropped on reuse, so it bounds nothing
        Assert.IsType<Admission.Reuse>(Store(seg));
    }
}
