namespace Switchboard.Client;

/// <summary>One parsed line of scripted input (DESIGN §4).</summary>
public abstract record Command(string Name);

/// <summary>Goes to the server as an operation request with its raw argument text.</summary>
public sealed record OpCommand(string Name, string Op, string[] Args) : Command(Name);

public sealed record SleepCommand(int Milliseconds) : Command("sleep");

public sealed record UnregisterCommand() : Command("unregister");

public sealed record ExitCommand() : Command("exit");

/// <summary>Answered by the client itself: not a command, or a client-side usage error.</summary>
public sealed record InvalidCommand(string Name, string Error) : Command(Name);

public static class CommandParser
{
    public const int MaxSleepMs = 600_000;

    /// <summary>Null for a blank line (skipped, not answered).</summary>
    public static Command? Parse(string line)
    {
        var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return null;
        var rest = words[1..];
        return words[0] switch
        {
            // Arguments are validated by the server, never only here: these go as typed.
            "calc" => new OpCommand("calc", "calc", rest),
            "even" or "prime" or "negative" => new OpCommand(words[0], words[0], rest),
            "op" when rest.Length == 0 => new OpCommand("op", "", rest),
            "op" => new OpCommand("op", rest[0], rest[1..]),
            "sleep" when rest.Length == 1 && int.TryParse(rest[0], out var ms) && ms is >= 0 and <= MaxSleepMs => new SleepCommand(ms),
            "sleep" => new InvalidCommand("sleep", $"usage: sleep MS (0..{MaxSleepMs})"),
            "unregister" => new UnregisterCommand(),
            "exit" or "quit" => new ExitCommand(),
            _ => new InvalidCommand("?", $"unknown command '{Truncate(words[0])}'; commands: calc even prime negative op sleep unregister exit"),
        };
    }

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";
}
