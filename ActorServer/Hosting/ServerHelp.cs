using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <c>--help</c> that teaches: the generated option list, then what a person needs next (subcommands, what
/// clients send, response and exit codes, examples); and option errors a person can act on.
/// </summary>
public static class ServerHelp
{
    public const string Usage = """
        usage: ActorServer [--host H] [--port P] [--segment S] [--config F] [--data DIR]
                 [--monitor HOST:PORT] [--debug] [--debug-akka] [--log-format text|json]
                 [--token-file F] [--tls-cert F.pfx --tls-ca CA.pem
                 [--tls-client-certs required|none]]
               ActorServer --cluster --seeds HOST:CLUSTER-PORT[,...]
                 --cluster-secret-file F [--host H] [--public-host H] [--port P]
                 [--cluster-port Q] [--db CONNECTION|FILE]
                 [the options above but --segment, --data]
               ActorServer inspect [--segment S | --monitor HOST:PORT | --url URL]
                 [--json] [--watch]
               ActorServer backup [--data DIR] --to FILE [--config F]
               ActorServer restore --from FILE [--data DIR] [--config F]
                 (servers stopped)
               ActorServer accounts list | release NAME | set-password NAME
                 [--data DIR] [--config F]                    (changes: servers stopped)
               ActorServer --help   (modes and subcommands, codes, examples)
        """;

    /// <summary>For backup, restore or accounts given <c>--db</c> (a cluster's store, which they do not take): what to use
    /// instead, one line; else null.</summary>
    public static string? ClusterStoreInstead(Command command, IEnumerable<string> unmatched)
    {
        if (!unmatched.Any(t => t == "--db" || t.StartsWith("--db=", StringComparison.Ordinal))) return null;
        var sub = command.Parents.OfType<Command>().FirstOrDefault(p => p.Parents.Any()) ?? command;
        return sub.Name switch
        {
            "backup" => "a cluster's store (--db) is PostgreSQL's to back up: (umask 077; pg_dump -Fc -d DB -f FILE), " +
                "at any time (docs/operating.md#the-cluster-store); backup is for a single host's --data",
            "restore" => "a cluster's store (--db) is PostgreSQL's to restore: pg_restore -d NEWDB FILE into an empty " +
                "database, every node stopped (docs/operating.md#the-cluster-store); restore is for a single host's --data",
            "accounts" => "a cluster's reserved names (--db) are changed by their owners only (passwd, release), for now " +
                "(docs/operating.md#the-cluster-store); accounts is for a single host's --data",
            _ => null,
        };
    }

    /// <summary>The usage to show after a mistake: a subcommand's own lines (and where its help is), else them all.</summary>
    public static string UsageFor(Command command)
    {
        // The subcommand of accounts' own subcommands (list, release, set-password) is accounts.
        var sub = command.Parents.OfType<Command>().FirstOrDefault(p => p.Parents.Any()) ?? command;
        if (!sub.Parents.Any()) return Usage;
        var entries = Usage.Split('\n').Aggregate(new List<List<string>>(), (all, line) =>
        {
            if (line.TrimStart().StartsWith("ActorServer", StringComparison.Ordinal) || line.StartsWith("usage:", StringComparison.Ordinal)) all.Add([]);
            all[^1].Add(line);
            return all;
        });
        var own = entries.FirstOrDefault(e => e[0].Contains($"ActorServer {sub.Name} ", StringComparison.Ordinal));
        if (own is null) return Usage;
        // Every entry's first line starts where "usage: " ends; its continuations are indented past it already.
        const string Lead = "usage: ";
        return string.Join('\n', own.Select((l, i) => i == 0 ? Lead + l.TrimStart() : l)) + $"\n{new string(' ', Lead.Length)}(ActorServer {sub.Name} --help for more)";
    }

    static readonly string Server = $$"""

        Modes and subcommands:
          (none)     run a server node: prints "listening on
                     akka.tcp://switchboard@HOST:PORT" on stdout, logs on stderr, and on
                     Ctrl-C / SIGTERM shuts down cleanly and prints the summary of the
                     clients it served
          --cluster  run a node of an Akka.Cluster (no segment; names, rooms and
                     messages across hosts): with --seeds HOST:CLUSTER-PORT,... (the
                     first nodes' --cluster-port; a node may list itself) and
                     --cluster-secret-file F (the same secret on every node). Clients
                     use --port; nodes meet on --cluster-port (default --port + 1),
                     mutual TLS that only holders of the secret pass. See
                     docs/cluster.md
          inspect    show the nodes, online clients and totals of a segment from another
                     process, or with --monitor HOST:PORT a node's members and totals
                     from its endpoint (cluster mode) (--help for more)
          backup     copy the data store (accounts, history) to a new 0600 file,
                     consistently, while servers run
          restore    put such a copy in place as the data store, with every server using
                     it stopped; the store it replaces is kept beside it (--help for
                     more; docs/operating.md#backup-and-restore)
          accounts   for a forgotten password: release a reserved name, or set-password
                     (read from stdin or asked without echo), with every server on the
                     data directory stopped; list the reserved names (--help for more;
                     docs/operating.md#accounts-a-forgotten-password)

        Monitoring (--monitor HOST:PORT, off by default; plain HTTP, read-only):
          GET /healthz   200 {"status":"ok"}, or 503
                         {"status":"unavailable","reason":"..."}; in cluster mode 503
                         until the node is Up and holds its first serverSeq range, and
                         while unreachable, leaving or downed; 200
                         {"status":"degraded","reason":"the data store failed ..."}
                         while its store fails (the node serves)
          GET /metrics   Prometheus text: switchboard_requests_total{code},
                         switchboard_request_duration_seconds, ...
          GET /status    node, version, uptime, mode (single-host|cluster), store
                         (SQLite: kind, directory, file, synchronous; PostgreSQL: kind,
                         host, port, database, user; never a password), nodes (cluster:
                         the members with status, roles, reachable), totals
          GET /clients   this node's online clients, "scope":"node"
                         (?limit=1..4096&offset=N)
          The same in cluster mode, as are --log-format, --debug and --debug-akka. At
          most 64 connections, 16 per host; past either, the oldest (idle first, e.g. a
          slow peer still sending its header) is closed for a newcomer.

        What clients send (ActorClient, scripted mode: one command a line):
          calc A OP B (OP: + - * / %) · even N · prime N · negative N
          op NAME ARG... · who · tell NAME TEXT · say TEXT · join ROOM · leave ROOM
          rooms · say #ROOM TEXT · presence on|off
          history #ROOM|NAME [latest | before|after|around ID] [COUNT]
          markread #ROOM|NAME ID · reserve · passwd FILE · release · sleep MS
          unregister · exit

        Response codes:
        {{Switchboard.Messages.Codes.Help("  ", fromServerOnly: true)}}

        Exit codes:
          0 clean shutdown
          1 a port in use, a segment or data directory it may not use, the data store
            unreachable, or the registry lost
          2 a bad option or file

        Data, accounts and history (single-host mode):
          --data DIR (default $XDG_DATA_HOME/switchboard, else
          ~/.local/share/switchboard) holds one SQLite file, switchboard.db
          (Akka.Persistence.Sql): the accounts, i.e. names reserved with a password
          (PBKDF2-SHA256), and the history: room messages and DMs to or from reserved
          names (written before "sent"/"delivered"), DMs held for reserved names while
          offline (202), read markers; retention in switchboard.history. Made on first
          start, DIR 0700 and the file 0600; another user's, open to others, locked or
          damaged: refused (exit 1). Nodes sharing a segment must share DIR, and another
          segment's node is refused while they run (DIR/server.lock); the one holding
          DIR/history.lock keeps the history. Back up with ActorServer backup, at any
          time; restore with ActorServer restore, the servers stopped (their --help
          says how). A full disk answers reserve/passwd/release 503 (the rest goes on)
          until space is freed; a data file deleted or replaced under a running server
          answers them 503 and logs it. Cluster mode keeps them in PostgreSQL instead
          (--db, below); a cluster without --db keeps nothing (answered 300). See
          docs/operating.md#the-data-directory and
          docs/security.md#accounts

        The cluster store (--db, cluster mode):
          --db CONNECTION|FILE names the PostgreSQL database (15 or later) where the
          nodes keep the accounts and the history: an Npgsql connection string,
          Host=H;Port=5432;Database=D;Username=U;Password=P, or, to keep the password
          off the command line, a file of this user's, mode 0600, whose first line is
          one. A malformed one: exit 2; a database that cannot be reached or refuses the
          login: exit 1, "error: the data store postgresql://U@H:5432/D is unreachable:
          ...". The tables are made on first start, one node at a time. /status shows
          host, port, database and user, never the password. Back up with pg_dump. See
          docs/cluster.md#durable-data---db and docs/operating.md#the-cluster-store

        Examples:
          a node, with its monitoring endpoint:
            ActorServer --port 4053 --monitor 127.0.0.1:8222
          a second node on this host, sharing the registry:
            ActorServer --port 4054 --segment switchboard
          a cluster node (the same secret file on every node):
            ActorServer --cluster --host 10.0.0.1 --port 4053 \
              --seeds 10.0.0.1:4054,10.0.0.2:4054 \
              --cluster-secret-file /etc/switchboard/cluster.secret
          curl -s 127.0.0.1:8222/metrics | grep switchboard_requests_total
        """;

    const string Inspect = """

        Output: tables of nodes (address, pid, alive, started, heartbeat), online
        clients (name, node, requests, since) and totals (serverSeq, requests,
        registrations); with --json one object: {nodes, clients, serverSeq,
        totalRequests, totalRegistrations}. --watch refreshes every 500 ms until Ctrl-C
        or until its output is closed (inspect --watch | head -1 ends).

        Cluster mode has no segment: --monitor HOST:PORT (or --url http://HOST:PORT/)
        reads a node's GET /status instead and prints its header (node, mode, ok or why
        not), the members (address, status, roles, reachable, pid) and the totals; with
        --json the /status object as one line.

        Exit codes:
          0 read
          1 the segment does not exist or cannot be read (with --json:
            {"error":"...","segment":"..."} on stdout), or the endpoint cannot be read
            (with --json: {"error":"...","url":"..."})
          2 a bad option

        Examples:
          ActorServer inspect --segment switchboard
          ActorServer inspect --watch --json | jq '.clients | length'
          ActorServer inspect --monitor 127.0.0.1:8222   (the members of its cluster)
        """;

    const string Backup = """

        The copy is the store as of one moment (SQLite's online backup: running servers
        go on writing meanwhile), one self-contained file, mode 0600 (it holds password
        hashes), checked with quick_check. It is never written over an existing file.
        Run it as the servers' user: it reads DIR/switchboard.db
        (switchboard.data.file).

        Restore: stop every server using DIR, then
          ActorServer restore --from FILE --data DIR
        and start them (docs/operating.md#backup-and-restore).

        Exit codes:
          0 written
          1 no data directory or store there, or it cannot be read
          2 a bad option or configuration
          3 the target exists (left as it was) or cannot be written (nothing is left
            behind)

        Examples:
          ActorServer backup --to /backups/switchboard-$(date +%F).db
          ActorServer backup --data /srv/switchboard --to /backups/switchboard.db
        """;

    const string Restore = """

        For stopped servers: one still running keeps writing to the file it opened, and
        answers account changes 503 once the file is replaced (its log says so). The
        backup is checked (quick_check), copied beside the store as a new 0600 file
        (never the backup itself: its mode and journal do not matter) and renamed into
        place; the store it replaces is kept as DIR/switchboard.db.before-restore-TIME
        with its -wal, and its -shm removed, so the old write-ahead log is never applied
        to the copy. DIR is made 0700 when missing. Then the start checks run.

        Exit codes:
          0 restored
          1 no backup there, it cannot be read or is damaged (nothing changed), or DIR
            is refused
          2 a bad option or configuration
          3 a server is running on DIR (nothing changed), or the copy cannot be
            written or put in place

        Examples:
          ActorServer restore --from /backups/switchboard-2026-12-03.db
          ActorServer restore --from /backups/switchboard.db --data /srv/switchboard
        """;

    const string Accounts = """

        For a reserved name whose owner forgot its password: set-password NAME gives it
        a new one (the first line of stdin, or asked twice on the terminal, nothing
        echoed; never an argument), release NAME makes it a guest's again (its password
        hashes and its inbox leave the store, as at the owner's own release). They write
        the same events as the server, through the same journal, so a server started
        afterwards reads them. Single host only (--data); a cluster's accounts (--db)
        are changed by their owners only, for now.

        Every server using DIR must be stopped: a change is refused (exit 3) while a
        node holds DIR/server.lock, and a node starting meanwhile is refused until it is
        done. list only reads, also while servers run: one line per reserved name,
        NAME<TAB>reserved since (UTC).

        Exit codes:
          0 done
          1 no data store in DIR, it cannot be used, or the change was not saved
          2 a bad option, name or password
          3 a server is running on DIR (nothing changed)
          4 NAME is not reserved (nothing changed)

        Examples:
          ActorServer accounts list --data /srv/switchboard
          ActorServer accounts set-password alice --data /srv/switchboard   (asks twice)
          ActorServer accounts set-password alice < new-password.txt
          ActorServer accounts release alice --data /srv/switchboard
        """;

    /// <summary>Appends the guide to the generated help of the root command and of its subcommands.</summary>
    public static void Extend(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is not HelpAction standard) return;
        // The generated list wraps its descriptions at a terminal's usual width, as the guide after it does.
        standard.MaxWidth = Switchboard.Messages.Startup.HelpText.Width;
        help.Action = new Guided(standard);
    }

    /// <summary>A TCP port, with an error naming the option and the rule instead of "cannot parse as Int32".</summary>
    public static void PortOption(Option<int> option, int min) => option.CustomParser = r =>
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && HostPort.IsPort(port, min)) return port;
        r.AddError($"{option.Name} wants a port number {min}..{HostPort.MaxPort}{(min == 0 ? " (0 picks a free port)" : "")}, not '{text}'");
        return 0;
    };

    sealed class Guided(HelpAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = standard.Invoke(parseResult);
            Console.Out.WriteLine(parseResult.CommandResult.Command.Name switch { "inspect" => Inspect, "backup" => Backup, "restore" => Restore,
                "accounts" or "list" or "release" or "set-password" => Accounts, _ => Server });
            return code;
        }
    }
}
