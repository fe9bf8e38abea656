namespace Switchboard.Server.Registry;

/// <summary>
/// Who came and went between two looks at the registry. The first look only learns who is there: a node that
/// starts must not announce every client already online as "joined".
/// </summary>
public sealed class PresenceTracker
{
    private Dictionary<string, ClientEntry> _online = new(StringComparer.Ordinal);
    private bool _primed;

    /// <param name="pending">Names not to count as there yet (this node's claims whose sessions have not started).</param>
    public PresenceChanged Observe(StateSnapshot snapshot, Func<string, bool>? pending = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = new Dictionary<string, ClientEntry>(snapshot.Clients.Count, StringComparer.Ordinal);
        // A snapshot never holds a name twice (the store drops duplicate slots); if one ever did, the later entry
        // wins rather than the look failing.
        foreach (var c in snapshot.Clients)
            if (pending?.Invoke(c.Name) != true) now[c.Name] = c;
        var joined = _primed ? now.Values.Where(c => !_online.ContainsKey(c.Name)).ToList() : [];
        var left = _primed ? _online.Values.Where(c => !now.ContainsKey(c.Name)).ToList() : [];
        _online = now;
        _primed = true;
        var nodes = snapshot.Nodes.Where(n => n.Alive).Select(n => n.Address).ToHashSet(StringComparer.Ordinal);
        return new PresenceChanged(joined, left, nodes);
    }
}
