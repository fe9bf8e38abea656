using System.Buffers.Binary;
using Switchboard.Server.State;

namespace Switchboard.Tests.State;

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
        SegmentLayout.WriteNode(SegmentLayout.NodeRowSpan(seg.AsSpan(), 0), new NodeRow(LivePid, 1, 1, 1, "127.0.0.1:4053"));
        return seg;
    }

    static byte[] DamagedHeader()
    {
        var seg = Segment();
        seg[40] ^= 0xFF; // the creation time: covered by the header checksum, so the checksum no longer matches
        return seg;
    }

    static Admission Store(byte[] prefix, ProcessLiveness? alive = null, uint fileOwner = Me) =>
        SegmentAdmission.ForStore(Path, Me, fileOwner, () => prefix, alive ?? NobodyAlive);

    static Admission Reader(byte[] prefix, uint fileOwner = Me) =>
        SegmentAdmission.ForReader("sbtest-admission", Path, Me, fileOwner, () => prefix);

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
        var a = SegmentAdmission.ForStore(Path, Me, Me + 1, () => throw new InvalidOperationException("read"), NobodyAlive);
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
        var file = SegmentAdmission.ForReader("sbtest-admission", Path, Me, Me + 1, () => throw new InvalidOperationException("read"));
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
}
