namespace Switchboard.Client.Commands;

/// <summary>What Tab offers for a command's first argument.</summary>
/// <summary>What Tab completes: after a command at the prompt, or as a menu question's answer. Conversations: a joined
/// room (#name) or an online name.</summary>
public enum Completes { Nothing, OnlineNames, JoinedRooms, RoomsAfterHash, Conversations }

/// <summary>
/// One command of the client: its name and other spellings, what it takes, what it does in a line of help, what
/// Tab completes after it, and what it becomes. <see cref="Parse"/> is null for the prompt's own commands, which
/// are <see cref="AtPrompt"/> instead.
/// </summary>
public sealed record CommandSpec(string Name, string[] Shapes, string Summary)
{
    /// <summary>Other words for it in scripts and at the prompt (quit for exit).</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>Its words after a leading <c>/</c>, IRC's where IRC has one (<c>/msg</c> for tell); Tab offers these after a <c>/</c>.</summary>
    public string[] Slash { get; init; } = [];

    public Completes Completes { get; init; }

    /// <summary>False for what only scripts want (sleep): Tab does not offer it at the prompt.</summary>
    public bool Offered { get; init; } = true;

    public Func<Arguments, Command>? Parse { get; init; }

    public PromptAction? AtPrompt { get; init; }

    /// <summary>How it is typed, e.g. <c>say TEXT</c> and <c>say #ROOM TEXT</c>.</summary>
    public IEnumerable<string> Usages => Shapes.Length == 0 ? [Name] : Shapes.Select(s => $"{Name} {s}");

    /// <summary>The other ways to type it: aliases, and slash words other than its name (<c>/msg /query</c>).</summary>
    public IEnumerable<string> OtherSpellings => Aliases.Concat(Slash.Where(s => s != Name).Select(s => "/" + s));
}

/// <summary>
/// Every command the client knows, once: the parser, Tab completion, the prompt and both help texts read this
/// table, so a command added here is parsed, completed and documented everywhere (a spec holds the helps to it).
/// Arguments are validated by the server, never only here: wire commands go as typed.
/// </summary>
public static class CommandCatalog
{
    public const int MaxSleepMs = 600_000;

    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new("calc", ["A OP B"], "arithmetic, OP one of + - * / %, e.g. calc 6 * 7") { Parse = a => Op("calc", "calc", a.Words) },
        new("even", ["N"], "even or odd") { Parse = a => Op("even", "even", a.Words) },
        new("prime", ["N"], "is N prime") { Parse = a => Op("prime", "prime", a.Words) },
        new("negative", ["N"], "is N below zero") { Parse = a => Op("negative", "negative", a.Words) },
        new("op", ["NAME ARG..."], "any operation by name, e.g. op add 2 3")
        {
            Parse = a => a.Words is [var op, .. var args] ? Op("op", op, args) : Op("op", "", []),
        },
        new("who", [], "who is online, on every node") { Slash = ["who"], Parse = _ => new WireCommand("who", id => new Who(id)) },
        new("tell", ["NAME TEXT"], "a direct message")
        {
            Slash = ["msg", "query", "tell"], Completes = Completes.OnlineNames, Parse = a => Direct(a.Text),
        },
        new("say", ["TEXT", "#ROOM TEXT"], "to everyone online, or to a room you joined")
        {
            Slash = ["say"], Completes = Completes.RoomsAfterHash, Parse = a => SayTo(a.Text),
        },
        new("join", ["ROOM"], "join a room (made if new)") { Slash = ["join"], Parse = a => new WireCommand("join", id => new JoinRoom(id, a.Text)) },
        new("leave", ["ROOM"], "leave a room")
        {
            Slash = ["leave", "part"], Completes = Completes.JoinedRooms, Parse = a => new WireCommand("leave", id => new LeaveRoom(id, a.Text)),
        },
        new("rooms", [], "the rooms, their members and recent messages")
        {
            Slash = ["rooms", "list"], Parse = _ => new WireCommand("rooms", id => new ListRooms(id)),
        },
        new("presence", ["on|off"], "join/leave notices")
        {
            Parse = a => a.Text is "on" or "off"
                ? new WireCommand("presence", id => new SetPresence(id, a.Text == "on"))
                : new InvalidCommand("presence", "usage: presence on|off"),
        },
        new("history", ["#ROOM|NAME [latest] [COUNT]", "#ROOM|NAME before|after|around ID [COUNT]"],
            "a room's or a DM conversation's kept messages: the newest (20 by default, at most 100), or by message ID")
        {
            Slash = ["history", "chathistory"], Completes = Completes.Conversations, Parse = a => HistoryOf(a.Words),
        },
        new("markread", ["#ROOM|NAME ID"], "mark a conversation read up to message ID (a reserved name's marker; it only moves forward)")
        {
            Completes = Completes.Conversations, Parse = a => MarkReadOf(a.Words),
        },
        new("reserve", [], "reserve your name: from now on it registers only with your password (--password-file or --password)")
        {
            Parse = _ => new WireCommand("reserve", id => new AccountCommand(id, AccountAction.Reserve, "")),
        },
        new("passwd", ["FILE"], "change your name's password to FILE's first line (mode 0600)") { Parse = a => NewPassword(a.Words) },
        new("release", [], "give up your name's reservation (it becomes anyone's again)")
        {
            Parse = _ => new WireCommand("release", id => new AccountCommand(id, AccountAction.Release, "")),
        },
        new("sleep", ["MS"], $"wait MS milliseconds (0..{MaxSleepMs}), for scripts")
        {
            Offered = false,
            Parse = a => a.Words is [var w] && int.TryParse(w, out var ms) && ms is >= 0 and <= MaxSleepMs
                ? new SleepCommand(ms)
                : new InvalidCommand("sleep", $"usage: sleep MS (0..{MaxSleepMs})"),
        },
        new("help", [], "this list") { Slash = ["help"], AtPrompt = new ShowHelp() },
        new("menu", [], "the numbered menu; a number picks an entry") { Aliases = ["?"], AtPrompt = new ShowMenu() },
        // As exit: the session ends, a reservation stays (release gives that up); "give up your name" read as if it went.
        new("unregister", [], "leave, as exit: you go offline (a guest's name is anyone's again)") { Parse = _ => new UnregisterCommand() },
        new("exit", [], "leave: you go offline (a guest's name is anyone's again); Ctrl-D too, Esc asks first") { Aliases = ["quit"], Slash = ["quit"], Parse = _ => new ExitCommand() },
    ];

    /// <summary>What a script may send: all but the prompt's own.</summary>
    public static IEnumerable<CommandSpec> Scripted => All.Where(c => c.Parse is not null);

    /// <summary>The command a word names, by its name or an alias; null if none.</summary>
    public static CommandSpec? Find(string word) => All.FirstOrDefault(c => c.Name == word || c.Aliases.Contains(word));

    /// <summary>
    /// As <see cref="Find"/>, and with a leading <c>/</c> also by its slash words (<c>/msg</c>); any command may
    /// be typed with a <c>/</c> (<c>/calc</c>).
    /// </summary>
    public static CommandSpec? Resolve(string word) =>
        word.StartsWith('/') ? All.FirstOrDefault(c => c.Slash.Contains(word[1..])) ?? Find(word[1..]) : Find(word);

    private static WireCommand Op(string name, string op, string[] args) => new(name, id => new Request(id, op, args));

    // TEXT is the rest of the line as typed, inner spaces kept.
    private static Command Direct(string rest)
    {
        var (to, text) = CommandParser.Split(rest);
        // Without a name there is nothing to send: the usage, not the server's "recipient: name is empty".
        if (to.Length == 0) return new InvalidCommand("tell", "usage: tell NAME TEXT");
        return new WireCommand("tell", id => new Tell(id, to, text));
    }

    // The client fills in the current password (Credentials); the new one is read here, from a file private to its owner.
    private static Command NewPassword(string[] words)
    {
        if (words is not [var file]) return new InvalidCommand("passwd", "usage: passwd FILE (the new password, first line; mode 0600)");
        var password = TokenSource.Read(HomePath.Expand(file), "SWITCHBOARD_PASSWORD", "password", out var problem);
        problem ??= Limits.PasswordError(password);
        return problem is null
            ? new WireCommand("passwd", id => new AccountCommand(id, AccountAction.ChangePassword, "", password))
            : new InvalidCommand("passwd", problem);
    }

    public const int DefaultHistoryCount = 20;
    private const string HistoryUsage = "usage: history #ROOM|NAME [latest|before ID|after ID|around ID] [COUNT]";

    // history CONV [latest | before ID | after ID | around ID] [COUNT]: ids and counts are whole numbers, checked again
    // by the server.
    private static Command HistoryOf(string[] words)
    {
        if (words.Length == 0) return new InvalidCommand("history", HistoryUsage);
        var (conversation, rest) = (words[0], words[1..]);
        var (anchor, at) = (HistoryAnchor.Latest, 0L);
        if (rest is [var how, ..] && how is "before" or "after" or "around")
        {
            if (rest.Length < 2) return new InvalidCommand("history", HistoryUsage);
            if (NumberProblem("message id", rest[1], out at) is { } problem) return new InvalidCommand("history", problem);
            anchor = how switch { "before" => HistoryAnchor.Before, "after" => HistoryAnchor.After, _ => HistoryAnchor.Around };
            rest = rest[2..];
        }
        else if (rest is ["latest", ..]) rest = rest[1..];
        var count = DefaultHistoryCount;
        if (rest.Length > 1) return new InvalidCommand("history", HistoryUsage);
        if (rest is [var n])
        {
            // The server answers any larger count with its max-query (100 by default), "not refused" (protocol.md): so a
            // count past int, or past long (all digits, no sign), is asked as int.MaxValue rather than refused here.
            if (n.All(char.IsAsciiDigit) && !long.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out _)) count = int.MaxValue;
            else if (NumberProblem("count", n, out var asked) is { } problem) return new InvalidCommand("history", problem);
            else count = (int)Math.Clamp(asked, int.MinValue, int.MaxValue); // below 1 the server says what a count is
        }
        return new WireCommand("history", id => new HistoryQuery(id, conversation, anchor, at, count));
    }

    // A whole number as typed, or what is wrong with it (one past long's range is "too large", not "not a number"; a
    // negative one past it is below 1, as the server says of any negative one, not "too large").
    private static string? NumberProblem(string what, string typed, out long value)
    {
        if (long.TryParse(typed, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value)) return null;
        var digits = typed.StartsWith('-') ? typed[1..] : typed;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return $"the {what} '{typed}' is not a whole number";
        return typed.StartsWith('-') ? $"the {what} '{typed}' is below 1 (a whole number from 1)" : $"the {what} '{typed}' is too large";
    }

    // As history does, a wrong id is said as typed ('x7' is not a whole number, a number past long is too large), not
    // only with the usage; a whole number goes as typed, and the server says what an id is (from 1).
    // Without an id (or with a word such as `latest`), it also says where the newest id is found.
    private static Command MarkReadOf(string[] words) =>
        words is not [var conversation, var id]
            ? new InvalidCommand("markread", words is [var c] ? $"usage: markread #ROOM|NAME ID{NewestIdHint(c)}" : "usage: markread #ROOM|NAME ID")
        : NumberProblem("message id", id, out _) is { } problem
            ? new InvalidCommand("markread", $"{problem}; usage: markread #ROOM|NAME ID{(id.Any(char.IsAsciiDigit) ? "" : NewestIdHint(conversation))}")
        : Chat("markread", words);

    private static string NewestIdHint(string conversation) => $" (the id of the last message read; history {conversation} 1 shows the newest)";

    /// <summary>A command the session knows by its verb (<see cref="ChatCommand"/>): the words go as typed.</summary>
    private static WireCommand Chat(string verb, string[] words) => new(verb, id => new ChatCommand(id, verb, words));

    private static WireCommand SayTo(string rest)
    {
        if (!rest.StartsWith('#')) return new WireCommand("say", id => new Say(id, null, rest));
        var (room, text) = CommandParser.Split(rest);
        return new WireCommand("say", id => new Say(id, room, text));
    }
}
