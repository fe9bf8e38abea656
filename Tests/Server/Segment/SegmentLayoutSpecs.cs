using System.Buffers.Binary;

namespace Switchboard.Tests.Server.Segment;

public class SegmentLayoutSpecs
{
    static byte[] Fresh()
    {
        var seg = new byte[SegmentLayout.TotalSize];
        SegmentLayout.Initialize(seg, generation: 7, createdUnixMs: 1_700_000_000_000, ownerUid: 1000);
        return seg;
    }

    [Fact]
    public void Fresh_segment_has_a_valid_header_and_only_free_rows()
    {
        var seg = Fresh();
        Assert.Equal(SegmentLayout.HeaderCheck.Valid, SegmentLayout.CheckHeader(seg, out _));
        Assert.Equal(7UL, SegmentLayout.Generation(seg));
        Assert.Equal(1_700_000_000_000, SegmentLayout.CreatedUnixMs(seg));
        Assert.Equal(1000u, SegmentLayout.OwnerUid(seg));
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
            Assert.Equal(SlotCheck.Free, ClientSlots.Check(SegmentLayout.SlotSpan(seg.AsSpan(), i)));
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
            Assert.False(NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg.AsSpan(), i), out _));
        Assert.Equal(0, SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq));
    }

    [Fact]
    public void Layout_is_64_byte_aligned_and_fixed_size()
    {
        Assert.Equal(64, SegmentLayout.SlotSize);
        Assert.Equal(0, SegmentLayout.ClientTableOffset % 64);
        Assert.Equal(SegmentLayout.ClientTableOffset + 4096 * 64, SegmentLayout.TotalSize);
    }

    [Fact]
    public void Client_slot_round_trips()
    {
        var seg = Fresh();
        var slot = SegmentLayout.SlotSpan(seg.AsSpan(), 4095);
        // the largest token a slot may hold: beyond MaxCounter it is corrupt (SlotValuesOutOfRangeAreCorrupt)
        var written = new ClientSlot(15, "Alice_1.x-" + new string('z', 22), 123, 1_700_000_123, SegmentLayout.MaxCounter);
        ClientSlots.Write(slot, written);
        Assert.Equal(SlotCheck.Used, ClientSlots.Check(slot));
        Assert.True(ClientSlots.TryRead(slot, out var read));
        Assert.Equal(written, read);
        Assert.True(ClientSlots.NameEquals(slot, written.Name));
        Assert.False(ClientSlots.NameEquals(slot, "Alice"));
        Assert.Equal(124, ClientSlots.IncrementRequests(slot));
        Assert.Equal(SlotCheck.Used, ClientSlots.Check(slot));
        SegmentRow.Free(slot);
        Assert.Equal(SlotCheck.Free, ClientSlots.Check(slot));
    }

    [Theory]
    [InlineData(SegmentLayout.MaxCounter + 1, 0L)]
    [InlineData(long.MaxValue, 0L)]
    [InlineData(1L, SegmentLayout.MaxSlotRequests + 1)]
    [InlineData(1L, long.MaxValue)]
    public void Slot_values_out_of_range_are_corrupt(long token, long requests)
    {
        // no count can get there, and a sum or increment of in-range values never overflows (SegmentLayout.MaxCounter)
        var slot = SegmentLayout.SlotSpan(Fresh().AsSpan(), 0);
        ClientSlots.Write(slot, new ClientSlot(0, "alice", requests, 1, token));
        Assert.Equal(SlotCheck.Corrupt, ClientSlots.Check(slot));
    }

    [Fact]
    public void Node_row_round_trips_with_a_utf8_address()
    {
        var seg = Fresh();
        var row = SegmentLayout.NodeRowSpan(seg.AsSpan(), 3);
        var node = new NodeRow(4242, 987654321, 1_700_000_000_001, 1_700_000_000_002, "nœud.example:4053");
        NodeRows.Write(row, node);
        Assert.True(NodeRows.TryRead(row, out var read));
        Assert.Equal(node, read);
        NodeRows.WriteHeartbeat(row, 5);
        Assert.True(NodeRows.TryRead(row, out read));
        Assert.Equal(5, read.HeartbeatUnixMs);
    }

    [Fact]
    public void Torn_slot_is_detected_by_its_odd_sequence()
    {
        var seg = Fresh();
        var slot = SegmentLayout.SlotSpan(seg.AsSpan(), 10);
        ClientSlots.Write(slot, new ClientSlot(0, "bob", 0, 0, 5));
        SegmentRow.BeginWrite(slot);
        Assert.Equal(1u, SegmentRow.Seq(slot) & 1);
        Assert.Equal(SlotCheck.Torn, ClientSlots.Check(slot));
        Assert.False(ClientSlots.TryRead(slot, out _));
    }

    [Fact]
    public void Torn_slot_is_detected_by_checksum()
    {
        var seg = Fresh();
        var slot = SegmentLayout.SlotSpan(seg.AsSpan(), 10);
        ClientSlots.Write(slot, new ClientSlot(0, "bob", 0, 0, 5));
        slot[56] ^= 1; // the token changed behind the sequence's back
        Assert.Equal(0u, SegmentRow.Seq(slot) & 1);
        Assert.Equal(SlotCheck.Torn, ClientSlots.Check(slot));
    }

    [Fact]
    public void A_slots_request_count_is_outside_its_checksum_so_its_session_writes_it_without_the_lock()
    {
        var seg = Fresh();
        var slot = SegmentLayout.SlotSpan(seg.AsSpan(), 10);
        ClientSlots.Write(slot, new ClientSlot(0, "bob", 0, 0, 5));
        ClientSlots.SetRequests(slot, 41);
        Assert.Equal(SlotCheck.Used, ClientSlots.Check(slot));
        Assert.True(ClientSlots.TryRead(slot, out var bob));
        Assert.Equal(41, bob.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/")]
    [InlineData("ünï")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33
    public void Invalid_names_are_refused_by_the_layout(string name)
    {
        var seg = Fresh();
        Assert.False(ClientSlots.IsValidName(name));
        Assert.Throws<ArgumentException>(() => ClientSlots.Write(SegmentLayout.SlotSpan(seg.AsSpan(), 0), new ClientSlot(0, name, 0, 0, 1)));
    }

    [Fact]
    public void Row_indices_outside_the_tables_are_refused()
    {
        var seg = Fresh();
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentLayout.SlotSpan(seg.AsSpan(), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentLayout.SlotSpan(seg.AsSpan(), SegmentLayout.ClientCapacity));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentLayout.NodeRowSpan(seg.AsSpan(), SegmentLayout.NodeCapacity));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ClientSlots.Write(SegmentLayout.SlotSpan(seg.AsSpan(), 0), new ClientSlot(SegmentLayout.NodeCapacity, "a", 0, 0, 1)));
    }

    [Fact]
    public void Slot_naming_a_node_outside_the_table_is_corrupt()
    {
        var seg = Fresh();
        var slot = SegmentLayout.SlotSpan(seg.AsSpan(), 0);
        ClientSlots.Write(slot, new ClientSlot(0, "a", 0, 0, 1));
        SegmentRow.BeginWrite(slot);
        slot[9] = 200; // node index
        SegmentRow.EndWrite(slot);
        Assert.Equal(SlotCheck.Corrupt, ClientSlots.Check(slot));
    }

    [Fact]
    public void Header_faults_are_classified()
    {
        Assert.Equal(SegmentLayout.HeaderCheck.Blank, SegmentLayout.CheckHeader([], out _));
        Assert.Equal(SegmentLayout.HeaderCheck.Blank, SegmentLayout.CheckHeader(new byte[SegmentLayout.TotalSize], out _));
        Assert.Equal(SegmentLayout.HeaderCheck.TooShort, SegmentLayout.CheckHeader([1, 2, 3], out _));

        var badMagic = Fresh(); badMagic[0] ^= 0xFF;
        Assert.Equal(SegmentLayout.HeaderCheck.BadMagic, SegmentLayout.CheckHeader(badMagic, out _));

        var badSum = Fresh(); badSum[33] ^= 0x01; // generation
        Assert.Equal(SegmentLayout.HeaderCheck.BadChecksum, SegmentLayout.CheckHeader(badSum, out _));

        var otherVersion = Fresh();
        BinaryPrimitives.WriteUInt32LittleEndian(otherVersion.AsSpan(8), 1); // the layout before counts left the lock
        SegmentLayout.ResealHeader(otherVersion);
        Assert.Equal(SegmentLayout.HeaderCheck.Incompatible, SegmentLayout.CheckHeader(otherVersion, out var detail));
        Assert.Contains("v1", detail);

        var otherSlots = Fresh();
        BinaryPrimitives.WriteUInt32LittleEndian(otherSlots.AsSpan(20), 8192);
        SegmentLayout.ResealHeader(otherSlots);
        Assert.Equal(SegmentLayout.HeaderCheck.Incompatible, SegmentLayout.CheckHeader(otherSlots, out _));

        var longer = new byte[SegmentLayout.TotalSize + 1];
        Fresh().CopyTo(longer, 0);
        Assert.Equal(SegmentLayout.HeaderCheck.BadLength, SegmentLayout.CheckHeader(longer, out _));
    }

    [Fact]
    public void Random_bytes_never_make_the_layout_throw()
    {
        var rng = new Random(1234);
        for (var n = 0; n < 2000; n++)
        {
            var bytes = new byte[rng.Next(0, 400)];
            rng.NextBytes(bytes);
            SegmentLayout.CheckHeader(bytes, out _);
            if (bytes.Length >= SegmentLayout.SlotSize)
            {
                var row = bytes.AsSpan(0, SegmentLayout.SlotSize);
                if (n % 2 == 0) SegmentRow.EndWrite(row); // make some pass the checksum so the field checks run
                var check = ClientSlots.Check(row);
                Assert.Equal(check == SlotCheck.Used, ClientSlots.TryRead(row, out var c));
                if (check == SlotCheck.Used) Assert.True(ClientSlots.IsValidName(c.Name));
            }
            if (bytes.Length >= SegmentLayout.NodeRowSize)
            {
                var row = bytes.AsSpan(0, SegmentLayout.NodeRowSize);
                if (n % 2 == 0) SegmentRow.EndWrite(row);
                NodeRows.TryRead(row, out _);
            }
        }
    }
}
