namespace Switchboard.Client.Editing;

/// <summary>
/// Tab at the prompt: command words first, then online names after <c>tell</c>/<c>/msg</c>, joined rooms after
/// <c>say #</c> and <c>leave</c>. Completes the longest common prefix; the candidates are shown when several fit.
/// </summary>
public sealed class Completer(Func<IReadOnlyList<string>> online, Func<IReadOnlyList<string>> rooms)
{
    public static readonly string[] Commands =
    [
        "calc", "even", "prime", "negative", "op", "who", "tell", "say", "join", "leave", "rooms", "presence",
        "help", "menu", "unregister", "exit",
    ];
    private static readonly string[] SlashCommands = ["/msg", "/tell", "/say", "/join", "/leave", "/part", "/who", "/rooms", "/help", "/quit"];

    /// <summary>What to insert at the cursor, and the candidates (more than one: none was inserted fully).</summary>
    public (string Insert, IReadOnlyList<string> Candidates) Complete(string beforeCursor)
    {
        var lastSpace = beforeCursor.LastIndexOf(' ');
        var word = beforeCursor[(lastSpace + 1)..];
        var earlier = beforeCursor[..(lastSpace + 1)].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> pool = earlier.Length switch
        {
            0 => word.StartsWith('/') ? SlashCommands : Commands,
            1 when earlier[0] is "tell" or "/msg" or "/tell" => online(),
            1 when earlier[0] is "say" or "/say" && word.StartsWith('#') => rooms(),
            1 when earlier[0] is "leave" or "/leave" or "/part" => rooms().Concat(rooms().Select(r => r.TrimStart('#'))),
            _ => [],
        };
        var matches = pool.Where(c => c.StartsWith(word, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (matches.Length == 0) return ("", []);
        if (matches.Length == 1) return (matches[0][word.Length..] + " ", matches);
        var common = matches.Aggregate((a, b) => a[..CommonLength(a, b)]);
        return (common[word.Length..], matches);
    }

    private static int CommonLength(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }
}
