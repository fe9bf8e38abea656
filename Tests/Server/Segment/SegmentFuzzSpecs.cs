using Xunit.Abstractions;
using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Segment;

/// <summary>Whatever bytes sit in the segment file, opening it is a clean refusal or a valid (repaired) store.</summary>
public class SegmentFuzzSpecs(ITestOutputHelper output)
{
    [Fact]
    public void Random_bytes_in_the_segment_file_are_refused_or_rebuilt_never_crash()
    {
        var rng = new Random(20261125);
        var outcomes = new Dictionary<string, int>();
        for (var n = 0; n < 80; n++)
        {
            using var seg = new TestSegment();
            var length = (n % 4) switch
            {
                0 => rng.Next(0, 300),
                1 => SegmentLayout.TotalSize,
                2 => SegmentLayout.TotalSize + rng.Next(-100, 100),
                _ => rng.Next(SegmentLayout.ClientTableOffset, SegmentLayout.TotalSize * 2),
            };
            var bytes = new byte[length];
            rng.NextBytes(bytes);
            if (n % 3 == 0 && length >= 8) BitConverter.GetBytes(SegmentLayout.Magic).CopyTo(bytes, 0); // our magic, junk after it
            if (n % 7 == 0) Array.Clear(bytes);
            File.WriteAllBytes(seg.Path, bytes);
            var outcome = OpenAndExercise(seg);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine(string.Join(", ", outcomes.Select(kv => $"{kv.Key}: {kv.Value}")));
    }

    [Fact]
    public void Random_mutations_of_a_valid_segment_are_refused_or_repaired_never_crash()
    {
        var rng = new Random(4053);
        var outcomes = new Dictionary<string, int>();
        for (var n = 0; n < 150; n++)
        {
            using var seg = new TestSegment();
            var bytes = ValidSegmentWithClients();
            var mutations = rng.Next(1, 40);
            for (var m = 0; m < mutations; m++)
            {
                // half the mutations hit the header, node table and first slots, where they matter most
                var offset = rng.Next(2) == 0 ? rng.Next(SegmentLayout.ClientTableOffset + 64 * 64) : rng.Next(bytes.Length);
                bytes[offset] = (byte)rng.Next(256);
            }
            File.WriteAllBytes(seg.Path, bytes);
            var outcome = OpenAndExercise(seg);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine(string.Join(", ", outcomes.Select(kv => $"{kv.Key}: {kv.Value}")));
        Assert.True(outcomes.GetValueOrDefault("opened") > 0);
    }

    static byte[] ValidSegmentWithClients()
    {
        var bytes = new byte[SegmentLayout.TotalSize];
        Span<byte> seg = bytes;
        SegmentLayout.Initialize(seg, 1, 1, ProcessInfo.EffectiveUid());
        AddGhostNode(seg, "ghost", 0);
        for (var i = 1; i < 50; i++)
        {
            ClientSlots.Write(SegmentLayout.SlotSpan(seg, i), new ClientSlot(0, "client" + i, i, 1, i));
            CountClient(seg, token: i, requests: i);
        }
        return bytes;
    }

    /// <summary>Opens the store; a refusal must be a <see cref="SegmentException"/>, a success must leave a working store.</summary>
    static string OpenAndExercise(TestSegment seg)
    {
        SharedSegmentStore store;
        try { store = OpenStore(seg); }
        catch (SegmentException e) { return e.Fault.ToString(); }
        using (store)
        {
            var snap = store.Snapshot();
            Assert.All(snap.Clients, c => Assert.True(ClientSlots.IsValidName(c.Name)));
            Assert.Equal(snap.Clients.Count, snap.Clients.Select(c => c.Name).Distinct().Count());
            Assert.Contains(snap.Nodes, nd => nd.Pid == Environment.ProcessId && nd.Alive);
            var claim = store.Claim("fuzz-probe");
            Assert.Equal(ClaimStatus.Claimed, claim.Status);
            Assert.Equal(2, store.CounterFor(claim.Slot).Next().ClientSeq);
            store.Maintain();
            // after repair, every slot in the file is intact
            using var check = SegmentMapping.OpenExisting(seg.Path, writable: false);
            for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
                Assert.NotEqual(SlotCheck.Torn, ClientSlots.Check(SegmentLayout.SlotSpan(check.ReadOnly, i)));
            return "opened";
        }
    }
}
