namespace Switchboard.Server.Cluster;

/// <summary>Other nodes' clients as their rosters last said (<see cref="NodeRoster"/>), kept only for nodes that are
/// members. Owned by one registry (single-threaded).</summary>
public sealed class Rosters(string self)
{
    private readonly Dictionary<string, (long Version, Dictionary<string, RosterEntry> Clients)> _rosters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);

    /// <summary>Clients on other nodes.</summary>
    public int Clients
    {
        get
        {
            var n = 0;
            foreach (var r in _rosters.Values) n += r.Clients.Count;
            return n;
        }
    }

    /// <summary>This node and the other members, in order.</summary>
    public List<string> Nodes()
    {
        var nodes = new List<string>(_members.Count + 1) { self };
        nodes.AddRange(_members);
        nodes.Sort(StringComparer.Ordinal);
        return nodes;
    }

    /// <summary>A member came up; true when it is new (it should hear this node's roster).</summary>
    public bool MemberSeen(string node) => node != self && _members.Add(node);

    /// <summary>A member is gone: its clients left.</summary>
    public List<ClientEntry> MemberGone(string node)
    {
        _members.Remove(node);
        return _rosters.Remove(node, out var roster) ? [.. roster.Clients.Values.Select(e => Entry(node, e))] : [];
    }

    /// <summary>Takes a newer roster of a member; who joined and left there since its last one.</summary>
    public (List<ClientEntry> Joined, List<ClientEntry> Left) Apply(NodeRoster m)
    {
        if (m.Node == self || !_members.Contains(m.Node)) return ([], []);
        var had = _rosters.TryGetValue(m.Node, out var old);
        if (had && old.Version >= m.Version) return ([], []);
        var now = new Dictionary<string, RosterEntry>(m.Entries.Length, StringComparer.Ordinal);
        foreach (var e in m.Entries)
            if (Limits.NameError(e.Name) is null) now[e.Name] = e;
        var before = had ? old.Clients : [];
        _rosters[m.Node] = (m.Version, now);
        return ([.. now.Values.Where(e => !before.ContainsKey(e.Name)).Select(e => Entry(m.Node, e))],
            [.. before.Values.Where(e => !now.ContainsKey(e.Name)).Select(e => Entry(m.Node, e))]);
    }

    public string? NodeOf(string name)
    {
        foreach (var (node, roster) in _rosters)
            if (roster.Clients.ContainsKey(name)) return node;
        return null;
    }

    public void AddTo(List<ClientEntry> everyone)
    {
        foreach (var (node, roster) in _rosters)
            foreach (var e in roster.Clients.Values) everyone.Add(Entry(node, e));
    }

    private static ClientEntry Entry(string node, RosterEntry e) =>
        new(e.Name, node, 0, DateTimeOffset.FromUnixTimeMilliseconds(e.SinceMs), e.Claim);
}
