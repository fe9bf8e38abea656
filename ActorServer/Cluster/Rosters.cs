using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>Other nodes' clients as their rosters last said (<see cref="NodeRoster"/>), kept only for nodes that are
/// members, and copied to the sessions' <see cref="NodeDirectory"/> with the inbox that serves them. A member the failure
/// detector gave up on (unreachable) keeps its roster, but its clients cannot be reached: they are out of `who`, the
/// count and the directory, and not online to a DM, until it answers again or is removed. Owned by one registry
/// (single-threaded).</summary>
public sealed class Rosters(string self, NodeDirectory? directory = null)
{
    private readonly Dictionary<string, Roster> _rosters = new(StringComparer.Ordinal);
    // Each member's node-side address, where its inbox must be.
    private readonly Dictionary<string, Address> _members = new(StringComparer.Ordinal);
    // Members that stopped answering (unreachable).
    private readonly HashSet<string> _silent = new(StringComparer.Ordinal);

    /// <summary>Clients on other nodes.</summary>
    public int Clients
    {
        get
        {
            var n = 0;
            foreach (var (node, r) in _rosters)
                if (!_silent.Contains(node)) n += r.Clients.Count;
            return n;
        }
    }

    /// <summary>This node and the other members, in order.</summary>
    public List<string> Nodes()
    {
        var nodes = new List<string>(_members.Count + 1) { self };
        nodes.AddRange(_members.Keys);
        nodes.Sort(StringComparer.Ordinal);
        return nodes;
    }

    /// <summary>A member came up (its client-facing name, its node-side address); true when it is new (it should hear
    /// this node's roster).</summary>
    public bool MemberSeen(string node, Address at) => node != self && _members.TryAdd(node, at);

    /// <summary>A member is gone: its clients left (announced already, <paramref name="wasSilent"/>, when it had stopped
    /// answering).</summary>
    public List<ClientEntry> MemberGone(string node, out bool wasSilent)
    {
        wasSilent = _silent.Remove(node);
        if (_members.Remove(node, out var at)) directory?.Gone(at);
        if (!_rosters.Remove(node, out var roster)) return [];
        if (!wasSilent) Route(roster.Clients.Keys, roster.Inbox, null);
        return [.. roster.Clients.Values.Select(e => Entry(node, e))];
    }

    /// <summary>A member stopped answering: its clients, who cannot be reached now (announced left).</summary>
    public List<ClientEntry> Silent(string node)
    {
        if (!_members.ContainsKey(node) || !_silent.Add(node) || !_rosters.TryGetValue(node, out var roster)) return [];
        Route(roster.Clients.Keys, roster.Inbox, null);
        return [.. roster.Clients.Values.Select(e => Entry(node, e))];
    }

    /// <summary>A member that had stopped answering answers again: its clients as its last roster says (announced joined).</summary>
    public List<ClientEntry> Answering(string node)
    {
        if (!_silent.Remove(node) || !_rosters.TryGetValue(node, out var roster)) return [];
        Route(roster.Clients.Keys, null, roster.Inbox);
        return [.. roster.Clients.Values.Select(e => Entry(node, e))];
    }

    /// <summary>The unreachable member whose last roster lists <paramref name="name"/>, if any.</summary>
    public string? SilentNodeOf(string name)
    {
        foreach (var node in _silent)
            if (_rosters.TryGetValue(node, out var roster) && roster.Clients.ContainsKey(name)) return node;
        return null;
    }

    /// <summary>Takes a newer roster of a member; who joined and left there since its last one.</summary>
    public (List<ClientEntry> Joined, List<ClientEntry> Left) Apply(NodeRoster m)
    {
        if (m.Node == self || !_members.TryGetValue(m.Node, out var at)) return ([], []);
        var had = _rosters.TryGetValue(m.Node, out var old);
        if (had && old!.Version >= m.Version) return ([], []);
        var now = new Dictionary<string, RosterEntry>(m.Entries.Length, StringComparer.Ordinal);
        foreach (var e in m.Entries)
            if (Limits.NameError(e.Name) is null) now[e.Name] = e;
        var before = had ? old!.Clients : [];
        // An inbox elsewhere than the member's own address is not taken: its DMs go through the registry then.
        var inbox = m.Inbox is { } i && i.Path.Address.Equals(at) ? i : null;
        _rosters[m.Node] = new Roster(m.Version, now, inbox);
        // Kept for when it answers again: nothing of it is routed or announced meanwhile.
        if (_silent.Contains(m.Node)) return ([], []);
        var joined = now.Values.Where(e => !before.ContainsKey(e.Name)).ToList();
        var left = before.Values.Where(e => !now.ContainsKey(e.Name)).ToList();
        if (Equals(inbox, old?.Inbox))
        {
            Route(left.Select(e => e.Name), inbox, null);
            Route(joined.Select(e => e.Name), null, inbox);
        }
        else
        {
            Route(before.Keys, old?.Inbox, null);
            Route(now.Keys, null, inbox);
        }
        return ([.. joined.Select(e => Entry(m.Node, e))], [.. left.Select(e => Entry(m.Node, e))]);
    }

    /// <summary>The member whose roster lists <paramref name="name"/>, answering or not.</summary>
    public string? NodeOf(string name)
    {
        foreach (var (node, roster) in _rosters)
            if (roster.Clients.ContainsKey(name)) return node;
        return null;
    }

    /// <summary>The answering member serving <paramref name="name"/>.</summary>
    public string? ServingNodeOf(string name)
    {
        foreach (var (node, roster) in _rosters)
            if (!_silent.Contains(node) && roster.Clients.ContainsKey(name)) return node;
        return null;
    }

    /// <summary>The answering members' clients, but names in <paramref name="here"/> (this node's: a name handed to a
    /// client's reconnect here stands in its old node's last roster until that node sends another or stops answering).</summary>
    public void AddTo(List<ClientEntry> everyone, IReadOnlyDictionary<string, int> here)
    {
        foreach (var (node, roster) in _rosters)
            if (!_silent.Contains(node))
                foreach (var e in roster.Clients.Values)
                    if (!here.ContainsKey(e.Name)) everyone.Add(Entry(node, e));
    }

    // Names move from one inbox (or none) to another in the sessions' directory.
    private void Route(IEnumerable<string> names, IActorRef? from, IActorRef? to)
    {
        if (directory is null) return;
        foreach (var name in names)
        {
            if (from is not null) directory.Remove(name, from);
            if (to is not null) directory.Set(name, to);
        }
    }

    private static ClientEntry Entry(string node, RosterEntry e) =>
        new(e.Name, node, 0, DateTimeOffset.FromUnixTimeMilliseconds(e.SinceMs), e.Claim);

    private sealed record Roster(long Version, Dictionary<string, RosterEntry> Clients, IActorRef? Inbox);
}
