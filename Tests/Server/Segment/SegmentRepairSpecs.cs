namespace Switchboard.Tests.Server.Segment;

/// <summary>Repair over a segment built in memory: node row 0 is a live node, row 1 a node whose process is gone.</summary>
public class SegmentRepairSpecs
{
    const int LivePid = 100, DeadPid = 200;
    static readonly ProcessLiveness Alive = (pid, _) => pid == LivePid;

    readonly byte[] _seg = new byte[SegmentLayout.TotalSize];
    readonly HashSet<(ulong, ulong, ulong, ulong)> _names = [];

    public SegmentRepairSpecs()
    {
        SegmentLayout.Initialize(_seg, 1, 1, 1000);
        NodeRows.Write(Row(0), new NodeRow(LivePid, 1, 1, 1, "10.0.0.1:1"));
        NodeRows.Write(Row(1), new NodeRow(DeadPid, 1, 1, 1, "10.0.0.2:1"));
    }

    Span<byte> Row(int i) => SegmentLayout.NodeRowSpan(_seg.AsSpan(), i);
    Span<byte> Slot(int i) => SegmentLayout.SlotSpan(_seg.AsSpan(), i);
    void Client(int slot, string name, int node) => ClientSlots.Write(Slot(slot), new ClientSlot(node, name, 0, 1, 1000 + slot));
    bool Used(int slot) => ClientSlots.IsUsed(Slot(slot));

    [Fact]
    public void A_dead_node_is_reaped_with_its_slots()
    {
        Client(0, "alice", node: 0);
        Client(1, "bob", node: 1);
        Client(2, "carol", node: 1);
        var reaped = SegmentRepair.ReapDeadNodes(_seg, ownIndex: -1, Alive);
        Assert.Equal([new NodeReaped(1, $"node 10.0.0.2:1 (pid {DeadPid}) is gone", 2)], reaped);
        Assert.False(NodeRows.IsUsed(Row(1)));
        Assert.True(SegmentRow.IsIntact(Row(1)));
        Assert.Equal([true, false, false], [Used(0), Used(1), Used(2)]);
        Assert.True(NodeRows.TryRead(Row(0), out _));
    }

    [Fact]
    public void The_callers_own_row_is_never_reaped()
    {
        Client(1, "bob", node: 1);
        Assert.Empty(SegmentRepair.ReapDeadNodes(_seg, ownIndex: 1, Alive));
        Assert.True(Used(1));
    }

    [Fact]
    public void A_torn_node_row_is_reaped_with_its_slots()
    {
        Client(3, "dave", node: 0);
        SegmentRow.BeginWrite(Row(0)); // a writer died inside: seq left odd
        Assert.Equal([new NodeReaped(0, "node row 0 is torn", 1)], SegmentRepair.ReapDeadNodes(_seg, -1, (_, _) => true));
        Assert.False(Used(3));
    }

    [Fact]
    public void A_torn_slot_is_dropped()
    {
        Client(0, "alice", node: 0);
        Client(1, "bob", node: 0);
        SegmentRow.BeginWrite(Slot(1));
        Assert.Equal([new SlotDropped(1, SegmentRepair.TornSlotReason)], SegmentRepair.ValidateSlots(_seg, _names));
        Assert.Equal(SlotCheck.Free, ClientSlots.Check(Slot(1)));
        Assert.True(Used(0));
    }

    [Fact]
    public void A_malformed_slot_is_dropped()
    {
        Client(4, "erin", node: 0);
        var slot = Slot(4);
        SegmentRow.BeginWrite(slot);
        slot[8] = 7; // an unknown state, in a properly sealed row
        SegmentRow.EndWrite(slot);
        Assert.Equal([new SlotDropped(4, "malformed")], SegmentRepair.ValidateSlots(_seg, _names));
    }

    [Fact]
    public void A_duplicate_name_is_dropped_and_the_first_kept()
    {
        Client(0, "alice", node: 0);
        Client(5, "alice", node: 0);
        Assert.Equal([new SlotDropped(5, "'alice' is a duplicate name")], SegmentRepair.ValidateSlots(_seg, _names));
        Assert.True(Used(0));
    }

    [Fact]
    public void An_orphan_slot_is_dropped()
    {
        Client(3, "dave", node: 2); // node row 2 is free
        Assert.Equal([new SlotDropped(3, "'dave' belongs to node row 2, which is not in use")], SegmentRepair.ValidateSlots(_seg, _names));
    }

    [Fact]
    public void A_clean_segment_is_untouched()
    {
        Client(0, "alice", node: 0);
        Client(1, "bob", node: 1);
        var before = _seg.ToArray();
        Assert.Empty(SegmentRepair.ReapDeadNodes(_seg, -1, (_, _) => true));
        Assert.Empty(SegmentRepair.ValidateSlots(_seg, _names));
        Assert.Empty(SegmentRepair.ValidateSlots(_seg, _names)); // the name set is cleared between runs, not remembered
        Assert.Equal(before, _seg);
    }

    [Fact]
    public void Freeing_a_nodes_slots_leaves_the_others()
    {
        Client(0, "alice", node: 0);
        Client(1, "bob", node: 1);
        Client(2, "carol", node: 1);
        Assert.Equal(2, SegmentRepair.FreeSlotsOf(_seg, 1));
        Assert.Equal([true, false, false], [Used(0), Used(1), Used(2)]);
        Assert.Equal(0, SegmentRepair.FreeSlotsOf(_seg, 1));
    }

    [Fact]
    public void A_live_node_is_found_only_among_intact_rows_of_live_processes()
    {
        Assert.True(SegmentRepair.TryFindLiveNode(_seg, Alive, out var live));
        Assert.Equal(LivePid, live.Pid);
        Assert.False(SegmentRepair.TryFindLiveNode(_seg, (_, _) => false, out _));
        SegmentRow.BeginWrite(Row(0));
        Assert.False(SegmentRepair.TryFindLiveNode(_seg, Alive, out _));
        Assert.False(SegmentRepair.TryFindLiveNode(_seg.AsSpan(0, SegmentLayout.ClientTableOffset - 1), (_, _) => true, out _));
    }
}
