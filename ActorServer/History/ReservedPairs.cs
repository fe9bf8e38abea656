namespace Switchboard.Server.History;

/// <summary>
/// The direct conversations between two reserved names the store holds, by party: <c>kept-guest-conversations</c> does
/// not count them, so when a party's name is released they are handed to it (<see cref="Released"/>). Without this a
/// released name's conversations went uncounted until the next start, and a peer reserving names, writing from them to
/// reserved names and releasing them in turn grew the file without bound. Memory is one small entry a conversation.
/// </summary>
public sealed class ReservedPairs
{
    private readonly Dictionary<string, HashSet<string>> _byParty = new(StringComparer.Ordinal);

    public void Add(Conversation c)
    {
        var (a, b) = c.Parties;
        if (a is null || b is null) return;
        Of(a).Add(c.Key);
        Of(b).Add(c.Key);
    }

    /// <summary>The conversations of <paramref name="name"/>, no longer listed here (for either party).</summary>
    public List<string> Released(string name)
    {
        if (!_byParty.Remove(name, out var keys)) return [];
        foreach (var key in keys)
        {
            var (a, b) = new Conversation(key).Parties;
            var other = a == name ? b : a;
            if (other is not null && _byParty.TryGetValue(other, out var theirs) && theirs.Remove(key) && theirs.Count == 0) _byParty.Remove(other);
        }
        return [.. keys.Order(StringComparer.Ordinal)];
    }

    private HashSet<string> Of(string party)
    {
        if (!_byParty.TryGetValue(party, out var keys)) _byParty[party] = keys = new HashSet<string>(StringComparer.Ordinal);
        return keys;
    }
}
