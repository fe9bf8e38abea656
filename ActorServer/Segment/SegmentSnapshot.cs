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
            if (!NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg, i), out var n)) continue;
            addresses[i] = n.Address;
            nodes.Add(new NodeEntry(n.Address, n.Pid, ProcessInfo.IsAlive(n.Pid, n.StartTicks),
                DateTimeOffset.FromUnixTimeMilliseconds(n.StartedUnixMs), DateTimeOffset.FromUnixTimeMilliseconds(n.HeartbeatUnixMs)));
        }
        var clients = new List<ClientEntry>();
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (ClientSlots.IsClient(slot) && ClientSlots.TryRead(slot, out var c))
                clients.Add(new ClientEntry(c.Name, addresses[c.NodeIndex] ?? "?", c.Requests, DateTimeOffset.FromUnixTimeSeconds(c.SinceUnixSeconds), c.Token));
        }
        clients.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new StateSnapshot(nodes, clients,
            SegmentLayout.ReadWord(seg, SegmentLayout.OffServerSeq),
            SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRequests),
            SegmentLayout.ReadWord(seg, SegmentLayout.OffTotalRegistrations));
    }

    /// <summary>The client named <paramref name="name"/>, when its slot is intact and well-formed.</summary>
    public static bool TryFind(ReadOnlySpan<byte> seg, string name, out ClientEntry entry)
    {
        entry = null!;
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
        {
            var slot = SegmentLayout.SlotSpan(seg, i);
            if (!ClientSlots.IsClient(slot) || !ClientSlots.NameEquals(slot, name)) continue;
            if (!ClientSlots.TryRead(slot, out var c)) return false;
            var node = NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg, c.NodeIndex), out var n) ? n.Address : "?";
            entry = new ClientEntry(c.Name, node, c.Requests, DateTimeOffset.FromUnixTimeSeconds(c.SinceUnixSeconds), c.Token);
            return true;
        }
        return false;
    }

    /// <summary>How many clients the slots hold and which nodes serve (no decoding of the clients). A node that has not
    /// published its actor system's uid yet is starting: it has no clients, and a broadcast sent its way would dial an
    /// address the other nodes cannot tell from an impostor's yet (<see cref="Security.NodeIdentities"/>).</summary>
    public static Census CensusOf(ReadOnlySpan<byte> seg)
    {
        var nodes = new List<string>(2);
        var clients = 0;
        for (var i = 0; i < SegmentLayout.NodeCapacity; i++)
            if (NodeRows.TryRead(SegmentLayout.NodeRowSpan(seg, i), out var node) && node.AkkaUid != 0) nodes.Add(node.Address);
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
            if (ClientSlots.IsClient(SegmentLayout.SlotSpan(seg, i))) clients++;
        return new Census(clients, nodes);
    }
}
