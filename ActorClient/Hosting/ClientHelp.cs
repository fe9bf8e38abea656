using Switchboard.Messages.Startup;
using System.CommandLine.Parsing;

namespace Switchboard.Client.Hosting;

/// <summary><c>ActorClient --help</c>, and usage errors said in words a new user understands.</summary>
internal static class ClientHelp
{
    // Option, then what it does from this column on.
    private const int OptionColumn = 23;

    private static readonly (string Option, string Text)[] Options =
    [
        ("--server HOST:PORT", "the server (default 127.0.0.1:4053); several as HOST:PORT,HOST:PORT are tried in turn"),
        ("--bind ADDRESS", "the local address to bind and advertise (default: this host's address on the route to the server)"),
        ("--chat", "the chat view: messages, online list and rooms side by side (needs a terminal)"),
        ("--json", "scripted mode: one JSON object per output line"),
        ("--pipeline N", "scripted mode: up to N (1-256) requests in flight, answers still in input order (default 1: each answer is printed before the next line is read)"),
        ("--config FILE", "client hocon read over the shipped hocon/client.hocon"),
        ("--token-file FILE", "the server's token (first line; the file mode 0600); or SWITCHBOARD_TOKEN in the environment"),
        ("--password-file FILE", "your name's password (first line; the file mode 0600): a reserved name registers only with it, and reserve / passwd / release use it. Off this host without TLS it is refused (see docs/security.md#accounts)"),
        ("--password", "ask for your name's password on the terminal instead (nothing echoed)"),
        ("--allow-cleartext-password", "send the password to a server off this host without TLS all the same (anyone on the way can read it)"),
        ("--tls-ca CA.pem [--tls-cert CLIENT.pfx]", "connect over TLS (see docs/security.md)"),
        ("--version", "the client's version"),
        ("-h, --help", "this text"),
    ];

    public static string Text { get; } = $"""
        ActorClient: the Switchboard client.

        usage:
          ActorClient NAME [--server HOST:PORT] [--chat]
                               on a terminal: the menu and a command prompt
          ActorClient NAME [--server HOST:PORT] [--json] < commands.txt
                               scripted: one command per line
        options:
        {string.Join('\n', Options.Select(o => HelpText.Hang("  " + o.Option, OptionColumn, o.Text)))}
        There are no subcommands: NAME (1-32 of A-Z a-z 0-9 _ . -) is the name others
        see.

        {CommandHelp.Brief}
        response codes:
        {Codes.Help("  ")}
        exit codes: 0 normal · 2 usage · 3 name rejected · 4 server unreachable

        examples:
          ActorClient alice --server 127.0.0.1:4053 --chat
          printf 'calc 6 * 7\nprime 97\n' | ActorClient bob --json
          echo reserve | ActorClient alice --json \
            --password-file ~/.switchboard-password
        """;

    public static bool Wanted(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");

    /// <summary>The parser's errors, each said as what to do.</summary>
    public static IEnumerable<string> Explain(IReadOnlyList<ParseError> errors, string[] args)
    {
        foreach (var e in errors)
        {
            var m = e.Message;
            // "Required argument missing" is said of the name and of an option typed last without its value
            // (ActorClient alice --server): the latter is not a missing name.
            if (m.Contains("Required argument missing", StringComparison.OrdinalIgnoreCase) && Quoted(m) is { } option && option.StartsWith('-'))
                yield return $"error: {option} needs a value: {option} {ValueOf(option)}";
            else if (m.Contains("Required argument missing", StringComparison.OrdinalIgnoreCase))
                yield return "error: give your name first: ActorClient NAME (1-32 of A-Z a-z 0-9 _ . -), e.g. ActorClient alice";
            else if (m.Contains("Unrecognized command or argument", StringComparison.OrdinalIgnoreCase) && Quoted(m) is { } what)
            {
                // "--port abc": the value of an unknown option is not a second error.
                var at = Array.IndexOf(args, what);
                if (!what.StartsWith('-') && at > 0 && args[at - 1].StartsWith('-') && errors.Any(x => Quoted(x.Message) == args[at - 1])) continue;
                yield return what switch
                {
                    "--port" or "-p" or "--host" => $"error: the client has no {what}; give the server as --server HOST:PORT, e.g. --server 127.0.0.1:4053",
                    _ when what.StartsWith('-') => $"error: unknown option {what} (ActorClient --help lists them)",
                    _ => $"error: one name only, '{what}' is extra (a name has no spaces; a command goes on stdin or at the prompt)",
                };
            }
            else yield return "error: " + m;
        }
    }

    /// <summary>Why --server was not HOST:PORT.</summary>
    public static string BadServer(string? text)
    {
        // In a list, the first entry that is wrong.
        HostPort.ParseList(text, out var problem);
        return $"error: --server {problem}";
    }

    /// <summary>Null when the host is an address or resolves; otherwise what to tell the person.</summary>
    public static string? Unresolvable(string host)
    {
        if (System.Net.IPAddress.TryParse(host, out _)) return null;
        try
        {
            return System.Net.Dns.GetHostAddresses(host).Length > 0 ? null : NotFound(host);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return NotFound(host);
        }
        static string NotFound(string h) => $"error: cannot find the host '{h}' (no such name); check --server, e.g. 127.0.0.1:4053";
    }

    // An option's value as --help names it (--server HOST:PORT), from the same table.
    private static string ValueOf(string option)
    {
        var words = Options.SelectMany(o => o.Option.Replace("[", "").Replace("]", "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var at = Array.IndexOf(words, option);
        return at >= 0 && at + 1 < words.Length && !words[at + 1].StartsWith('-') ? words[at + 1] : "VALUE";
    }

    private static string? Quoted(string message)
    {
        var a = message.IndexOf('\'');
        var b = message.LastIndexOf('\'');
        return a >= 0 && b > a ? message[(a + 1)..b] : null;
    }
}
