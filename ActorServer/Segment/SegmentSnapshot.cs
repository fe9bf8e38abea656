namespace Switchboard.Server.Segment;

/// <summary>Decoding of segment bytes into the <see cref="IStateStore"/> views, shared by the store and the reader.
/// Torn or malformed rows are skipped, never trusted.</summary>
static class SegmentSnapshot
{
    public static StateSnapshot Build(ReadOnlySpan<byte> seg)
    {
        var nodes = new List<NodeEntry>();
        var addresses = new string?[SegmentLayout.NodeCapacity];
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
        {
            if (!SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, i), out var n)) continue;
            addresses[i] = n.Address;
            nodes.Add(new NodeEntry(n.Address, n.Pid, ProcessInfo.IsAlive(n.Pid, n.StartTicks),
                DateTimeOffset.FromUnixTimeMilliseconds(n.StartedUnixMs), DateTimeOffset.FromUnixTimeMilliseconds(n.HeartbeatUnixMs)));
        }
        var clients = new List<ClientEntry>();
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (SegmentLayout.IsSlotUsed(slot) && SegmentLayout.TryReadSlot(slot, out var c))
                clients.Add(new ClientEntry(c.Name, addresses[c.NodeIndex] ?? "?", c.Requests, DateTimeOffset.FromUnixTimeSeconds(c.SinceUnixSeconds), c.Token));
        }
        clients.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new StateSnapshot(nodes, clients,
            SegmentLayout.ReadCounter(seg, SegmentLayout.OffServerSeq),
            SegmentLayout.ReadCounter(seg, SegmentLayout.OffTotalRequests),
            SegmentLayout.ReadCounter(seg, SegmentLayout.OffTotalRegistrations));
    }

    public static ClientEntry ToEntry(ReadOnlySpan<byte> seg, in ClientSlot c)
    {
        var node = SegmentLayout.TryReadNode(SegmentLayout.NodeRowSpan(seg, c.NodeIndex), out var n) ? n.Address : "?";
        return new ClientEntry(c.Name, node, c.Requests, DateTimeOffset.FromUnixTimeSeconds(c.SinceUnixSeconds), c.Token);
    }
}
