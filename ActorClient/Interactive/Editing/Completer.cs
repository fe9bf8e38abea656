namespace Switchboard.Client.Interactive.Editing;

/// <summary>
/// Tab at the prompt: command words first (with a leading <c>/</c> their slash words, <c>/msg</c>), then what the
/// <see cref="CommandCatalog"/> says completes after the command: online names after <c>tell</c>, joined rooms
/// after <c>say #</c> and <c>leave</c>. Completes the longest common prefix; the candidates are shown when several fit.
/// A menu's question (<see cref="For"/>) completes its one answer the same way: "To (name):" an online name.
/// </summary>
public sealed class Completer(Func<IReadOnlyList<string>> online, Func<IReadOnlyList<string>> rooms, Completes? answer = null)
{
    private static readonly string[] Words = CommandCatalog.All.Where(c => c.Offered).Select(c => c.Name).ToArray();
    private static readonly string[] SlashWords = CommandCatalog.All.SelectMany(c => c.Slash).Select(w => "/" + w).ToArray();

    /// <summary>What to insert at the cursor, and the candidates (more than one: none was inserted fully).</summary>
    public (string Insert, IReadOnlyList<string> Candidates) Complete(string beforeCursor)
    {
        var lastSpace = beforeCursor.LastIndexOf(' ');
        var word = beforeCursor[(lastSpace + 1)..];
        var earlier = beforeCursor[..(lastSpace + 1)].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> pool = (answer, earlier.Length) switch
        {
            ({ } what, 0) => Pool(what, word),
            (null, 0) => word.StartsWith('/') ? SlashWords : Words,
            (null, 1) => CommandCatalog.Resolve(earlier[0])?.Completes is { } what ? Pool(what, word) : [],
            _ => [],
        };
        var matches = pool.Where(c => c.StartsWith(word, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (matches.Length == 0) return ("", []);
        if (matches.Length == 1) return (matches[0][word.Length..] + " ", matches);
        var common = matches.Aggregate((a, b) => a[..CommonLength(a, b)]);
        return (common[word.Length..], matches);
    }

    /// <summary>The prompt's: the names online but this client's own, the rooms it joined.</summary>
    public static Completer Of(ClientStatus status) => new(() => status.Online.Where(n => n != status.Name).ToArray(), () => status.Rooms);

    /// <summary>For a menu's question whose answer is <paramref name="what"/>.</summary>
    public Completer For(Completes what) => new(online, rooms, what);

    private IEnumerable<string> Pool(Completes what, string word) => what switch
    {
        Completes.OnlineNames => online(),
        Completes.RoomsAfterHash when word.StartsWith('#') => rooms(),
        // With or without #, as typed; before anything is typed, each room once (both forms made one room two
        // candidates, and the only room could not complete).
        Completes.JoinedRooms when word.Length == 0 => rooms(),
        Completes.JoinedRooms => rooms().Concat(rooms().Select(r => r.TrimStart('#'))),
        Completes.Conversations => rooms().Concat(online()),
        _ => [],
    };

    private static int CommonLength(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }
}
