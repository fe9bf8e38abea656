namespace Switchboard.Server.History;

/// <summary>
/// A conversation's key: a room (<c>#lobby</c>) or the direct messages between two names (<c>@alice@bob</c>, the names
/// in ordinal order, so either party finds the same one). '@' is in no name and no room, so keys never collide.
/// </summary>
public readonly record struct Conversation(string Key)
{
    public static Conversation Room(string room) => new(room);

    public static Conversation Direct(string a, string b) =>
        new(string.CompareOrdinal(a, b) <= 0 ? $"@{a}@{b}" : $"@{b}@{a}");

    public bool IsRoom => Key.StartsWith('#');

    /// <summary>A direct conversation's other party, seen from <paramref name="name"/> (null when not a party).</summary>
    public string? Other(string name)
    {
        var (a, b) = Parties;
        return a == name ? b : b == name ? a : null;
    }

    /// <summary>A direct conversation's two parties, in the key's order (nulls for a room).</summary>
    public (string? A, string? B) Parties => IsRoom ? (null, null) : (Key[1..Key.IndexOf('@', 1)], Key[(Key.IndexOf('@', 1) + 1)..]);

    /// <summary>How <paramref name="name"/> names it: the room, or the other party.</summary>
    public string SeenBy(string name) => IsRoom ? Key : Other(name) ?? Key;

    public string PersistenceId => "conversation-" + Key;

    public override string ToString() => Key;
}
