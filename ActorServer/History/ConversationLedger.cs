namespace Switchboard.Server.History;

/// <summary>
/// The rooms whose history the store holds, at most <paramref name="capacity"/> of them (<c>kept-rooms</c>): each room is
/// bounded by retention, and this bounds how many there are, so room names made and written in a loop cannot fill the
/// disk. A message written to a room not held yet, past the bound, drops the history of another: the one written least
/// recently among those only guests wrote in (guest names cost nothing), else the one written least recently among those
/// its writer made held (its own rooms), else the one written least recently of all; never the room being written. The
/// writer's own before everyone's: rooms and reserved names cost nothing, and one client with a reserved name writing a
/// line in each of 1,030 fresh rooms had the history of every other room deleted (a hostile tester's finding). Pure, so
/// the choice is specified without an actor; memory is one small entry a room held.
/// <para>A second one bounds the direct conversations with a guest party (<c>kept-guest-conversations</c>), all entered as
/// guests': one peer writing to a reserved name from ever new guest names had the file grow ~2 MB/s (a hostile tester's
/// finding), so past the bound the one written least recently goes.</para>
/// </summary>
public sealed class ConversationLedger(int capacity)
{
    private readonly Dictionary<string, Entry> _held = new(StringComparer.Ordinal);
    private long _writes;
    // Below every write: those entered (Entered) count as older than any written.
    private long _entered;

    /// <summary>Conversations held.</summary>
    public int Count => _held.Count;

    public bool Holds(string key) => _held.ContainsKey(key);

    /// <summary>No longer counted here (a direct conversation whose parties are both reserved now).</summary>
    public void Forget(string key) => _held.Remove(key);

    /// <summary>The store holds <paramref name="keys"/>' history, the one written least recently first (read at start);
    /// those past the bound, whose history must go. Who wrote them is not read back: <paramref name="reserved"/> says
    /// whether they count as a reserved name's (rooms: else right after a restart a guest making rooms in a loop dropped
    /// the history of every room in the file, as guests-only ones) or as guests' only.</summary>
    public List<string> Seed(IEnumerable<string> keys, bool reserved)
    {
        var dropped = new List<string>();
        foreach (var key in keys)
            if (Written(key, reserved, writer: null) is { } victim) dropped.Add(victim);
        return dropped;
    }

    /// <summary>A message was written to <paramref name="key"/> by <paramref name="writer"/> (a reserved name:
    /// <paramref name="reserved"/>); the conversation whose history must now go, or null. Allocates only for one not held yet.</summary>
    public string? Written(string key, bool reserved, string? writer = null)
    {
        if (_held.TryGetValue(key, out var entry))
        {
            entry.LastWrite = ++_writes;
            entry.Reserved |= reserved;
            return null;
        }
        _held.Add(key, new Entry { LastWrite = ++_writes, Reserved = reserved, MadeBy = writer });
        if (_held.Count <= capacity) return null;
        var victim = LeastRecent(key, guestsOnly: true) ?? (writer is null ? null : LeastRecent(key, guestsOnly: false, madeBy: writer))
            ?? LeastRecent(key, guestsOnly: false)!;
        _held.Remove(victim);
        return victim;
    }

    /// <summary><paramref name="key"/>, which the store holds already, counts from now on as written before every one held
    /// (a direct conversation whose party's name was released: a peer releasing names must not push out anyone else's);
    /// the conversation whose history must now go (this one, when the bound is reached), or null.</summary>
    public string? Entered(string key)
    {
        if (_held.ContainsKey(key)) return null;
        _held.Add(key, new Entry { LastWrite = --_entered });
        if (_held.Count <= capacity) return null;
        var victim = LeastRecent("", guestsOnly: true) ?? LeastRecent("", guestsOnly: false)!;
        _held.Remove(victim);
        return victim;
    }

    private string? LeastRecent(string except, bool guestsOnly, string? madeBy = null)
    {
        string? oldest = null;
        var at = long.MaxValue;
        foreach (var (key, entry) in _held)
            if (entry.LastWrite < at && !(guestsOnly && entry.Reserved) && key != except && (madeBy is null || entry.MadeBy == madeBy))
                (oldest, at) = (key, entry.LastWrite);
        return oldest;
    }

    private sealed class Entry
    {
        public long LastWrite;
        public bool Reserved;
        // The name whose message made the conversation held (null: read from the file at start, whoever wrote it).
        public string? MadeBy;
    }
}
