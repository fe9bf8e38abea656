using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>One parsed line of scripted input (DESIGN §4).</summary>
public abstract record Command(string Name);

/// <summary>Goes to the server as it was typed; <see cref="Make"/> builds the message for a request id.</summary>
public sealed record WireCommand(string Name, Func<long, ISwitchboardMessage> Make) : Command(Name);

public sealed record SleepCommand(int Milliseconds) : Command("sleep");

public sealed record UnregisterCommand() : Command("unregister");

public sealed record ExitCommand() : Command("exit");

/// <summary>Answered by the client itself: not a command, or a client-side usage error.</summary>
public sealed record InvalidCommand(string Name, string Error) : Command(Name);

public static class CommandParser
{
    public const int MaxSleepMs = 600_000;
    public const string Help = "commands: calc even prime negative op who say tell join leave rooms presence sleep unregister exit";

    /// <summary>Null for a blank line (skipped, not answered).</summary>
    public static Command? Parse(string line)
    {
        var (word, rest) = Next(line);
        if (word.Length == 0) return null;
        var args = rest.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return word switch
        {
            // Arguments are validated by the server, never only here: these go as typed.
            "calc" => Op("calc", "calc", args),
            "even" or "prime" or "negative" => Op(word, word, args),
            "op" => Op("op", args.Length == 0 ? "" : args[0], args.Length == 0 ? [] : args[1..]),
            "who" => new WireCommand("who", id => new Who(id)),
            "rooms" => new WireCommand("rooms", id => new ListRooms(id)),
            "join" => new WireCommand("join", id => new JoinRoom(id, rest)),
            "leave" => new WireCommand("leave", id => new LeaveRoom(id, rest)),
            "tell" => Tell(rest),
            "say" => Say(rest),
            "presence" when rest is "on" or "off" => new WireCommand("presence", id => new SetPresence(id, rest == "on")),
            "presence" => new InvalidCommand("presence", "usage: presence on|off"),
            "sleep" when args.Length == 1 && int.TryParse(args[0], out var ms) && ms is >= 0 and <= MaxSleepMs => new SleepCommand(ms),
            "sleep" => new InvalidCommand("sleep", $"usage: sleep MS (0..{MaxSleepMs})"),
            "unregister" => new UnregisterCommand(),
            "exit" or "quit" => new ExitCommand(),
            _ => new InvalidCommand("?", $"unknown command '{Truncate(word)}'; {Help}"),
        };
    }

    private static WireCommand Op(string name, string op, string[] args) => new(name, id => new Request(id, op, args));

    // TEXT is the rest of the line as typed, inner spaces kept.
    private static WireCommand Tell(string rest)
    {
        var (to, text) = Next(rest);
        return new WireCommand("tell", id => new Tell(id, to, text));
    }

    private static WireCommand Say(string rest)
    {
        if (!rest.StartsWith('#')) return new WireCommand("say", id => new Say(id, null, rest));
        var (room, text) = Next(rest);
        return new WireCommand("say", id => new Say(id, room, text));
    }

    /// <summary>The first word and the rest of the line, trimmed.</summary>
    private static (string Word, string Tail) Next(string s)
    {
        s = s.Trim();
        var space = s.IndexOfAny([' ', '\t']);
        return space < 0 ? (s, "") : (s[..space], s[(space + 1)..].Trim());
    }

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";
}
