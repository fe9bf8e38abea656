using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// <see cref="LoadOptions"/> on the command line. Each of <c>load</c>, <c>capacity</c> and <c>messaging</c>
/// accepts every option, as it always has (a script may pass <c>--clients</c> to <c>capacity</c>), and its
/// help lists the ones that command reads.
/// </summary>
public sealed class LoadCommandLine
{
    private static readonly LoadOptions Defaults = new();

    // The lists state their defaults in the description: help would print a default array as "1|10|25".
    private readonly Option<int[]> _clients = new("--clients")
    {
        Description = $"Client counts, comma-separated: one run (and table row) each [default: {string.Join(',', Defaults.Clients)}]",
        HelpName = "N,N,...",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = ParseClients,
    };
    private readonly Option<double> _seconds = Valued("--seconds", "Measured seconds per run", Defaults.Seconds);
    private readonly Option<double> _warmup = Valued("--warmup", "Warm-up seconds before measuring (not recorded)", Defaults.Warmup);
    private readonly Option<int> _window = Valued("--window", "Requests in flight per client", Defaults.Window);
    private readonly Option<int> _batch = Valued("--batch", "Most requests one of our clients sends in one message, of those it has ready (1: a message per request; the echo baseline always gets one each)", Defaults.Batch);
    private readonly Option<double> _rate = Valued("--rate", "Pace all clients together at this many requests/s (0: as fast as replies come; capacity: 200/s per busy client)", Defaults.Rate);
    private readonly Option<bool> _half = Flag("--half", "After each unpaced run, another paced at half of its peak");
    private readonly Option<bool> _noBaseline = Flag("--no-baseline", "Skip the raw Akka.Remote echo baseline");
    private readonly Option<string?> _server = new("--server")
    {
        Description = "Load a server already running on this host instead of starting one",
        HelpName = "127.0.0.1:PORT",
    };
    private readonly Option<string?> _json = new("--json") { Description = "Also write the report to this file as JSON", HelpName = "FILE" };
    private readonly Option<string> _op = Valued("--op", "Operation each request runs", Defaults.Op);
    private readonly Option<string[]> _args = new("--args")
    {
        Description = $"The operation's arguments, comma-separated [default: {string.Join(',', Defaults.Args)}]",
        HelpName = "A,B,...",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = r => r.Tokens[0].Value.Split(','),
    };
    private readonly Option<long> _maxRequests = Valued("--max-requests", "At most this many requests per client and run", Defaults.MaxRequests);
    private readonly Option<bool> _capacity = Flag("--capacity", "Run the capacity measurement instead (as the capacity command)");
    private readonly Option<int> _idle = Valued("--idle", "Idle clients to register", Defaults.Idle);
    private readonly Option<int> _idleSystems = Valued("--idle-systems", "Client ActorSystems the idle clients share", Defaults.IdleSystems);
    private readonly Option<int> _busy = Valued("--busy", "Busy clients, measured alone and then next to the idle ones", Defaults.Busy);
    private readonly Option<bool> _keepRateLimit = Flag("--keep-rate-limit", "Keep the server's per-client rate limit (off by default: it would cap the load)");
    private readonly Option<bool> _profile = Flag("--profile", "Also print the CPU of each server and baseline thread");
    private readonly Option<bool> _idleQuiet = Flag("--idle-quiet", "Idle clients turn presence notices off");
    private readonly Option<string?> _tls = new("--tls")
    {
        Description = "Run ours and the baseline over TLS (mutual) with the certificates tls-certs.sh made in DIR (ca.pem, server.pfx, client.pfx; password in $SWITCHBOARD_TLS_PASSWORD)",
        HelpName = "DIR",
    };

    private readonly Option<string?> _peer = new("--peer")
    {
        Description = "Also measure another server in the same alternating slices: 'nats' (nats-server on PATH and a NATS.Net responder)",
        HelpName = "nats",
    };

    private static Option<T> Valued<T>(string name, string description, T value) =>
        new(name) { Description = description, DefaultValueFactory = _ => value };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private LoadCommandLine()
    {
        Check(_clients, c => c.Length > 0, "--clients needs at least one count, e.g. --clients 1,10,25");
        Check(_seconds, s => s > 0, "--seconds must be more than 0");
        Check(_window, w => w >= 1, "--window must be at least 1");
        Check(_batch, b => b is >= 1 and <= Switchboard.Messages.Limits.MaxBatch, $"--batch must be 1 to {Switchboard.Messages.Limits.MaxBatch}");
        Check(_peer, p => p is null or "nats", "--peer takes 'nats'");
        Check(_server, s => s is null || s.StartsWith("127.0.0.1:", StringComparison.Ordinal) || s.StartsWith("localhost:", StringComparison.Ordinal),
            "--server must be 127.0.0.1:PORT or localhost:PORT (the load generator only targets this host)");
    }

    private static void Check<T>(Option<T> option, Func<T, bool> valid, string error) =>
        option.Validators.Add(r =>
        {
            T value;
            try { value = r.GetValueOrDefault<T>(); }
            catch (InvalidOperationException) { return; } // did not parse: the parser reports that error itself
            if (!valid(value)) r.AddError(error);
        });

    private IEnumerable<Option> All =>
    [
        _clients, _seconds, _warmup, _window, _batch, _rate, _half, _noBaseline, _server, _json, _op, _args, _maxRequests,
        _capacity, _idle, _idleSystems, _busy, _keepRateLimit, _profile, _idleQuiet, _tls, _peer,
    ];

    /// <summary><c>load</c>, <c>capacity</c> and <c>messaging</c>, each handing its name and options to <paramref name="run"/>.</summary>
    public static IReadOnlyList<Command> Commands(Func<string, LoadOptions, int> run) =>
    [
        Create("load", "Request/reply throughput and latency, next to a raw Akka.Remote echo baseline in alternating slices",
            c => [c._clients, c._seconds, c._warmup, c._window, c._batch, c._rate, c._half, c._noBaseline, c._server, c._json, c._op, c._args, c._maxRequests, c._capacity, c._keepRateLimit, c._profile, c._tls, c._peer],
            run),
        Create("capacity", "Server memory and busy-client latency with many idle clients registered, against the busy clients alone",
            c => [c._idle, c._idleSystems, c._idleQuiet, c._busy, c._seconds, c._warmup, c._window, c._rate, c._json, c._op, c._args, c._maxRequests, c._keepRateLimit],
            run),
        Create("messaging", "Direct messages (tell) and broadcasts (say) between clients; one client count: the largest of --clients, 25 by default",
            c => [c._clients, c._seconds, c._warmup, c._window, c._rate, c._json, c._maxRequests, c._keepRateLimit],
            run),
        Create("cluster", "Cluster mode, two nodes on 127.0.0.1/.2: a request on a node, and a DM within one node vs across nodes (same run)",
            c => [c._clients, c._seconds, c._warmup, c._window, c._rate, c._op, c._args, c._maxRequests, c._keepRateLimit],
            run),
        Create("scrape-cost", "What monitoring costs: server CPU per scrape of /metrics, /healthz and /status, and throughput with and without a scrape every second (the largest of --clients)",
            c => [c._clients, c._seconds, c._warmup, c._window, c._rate, c._json, c._maxRequests],
            run),
    ];

    private static Command Create(string name, string description, Func<LoadCommandLine, Option[]> shown, Func<string, LoadOptions, int> run)
    {
        var line = new LoadCommandLine();
        var command = new Command(name, description);
        var listed = shown(line);
        foreach (var option in line.All)
        {
            option.Hidden = !listed.Contains(option);
            command.Options.Add(option);
        }
        command.SetAction(r => run(name, line.Bind(r)));
        return command;
    }

    private LoadOptions Bind(ParseResult r) => new()
    {
        Clients = r.GetResult(_clients) is null ? Defaults.Clients : r.GetValue(_clients)!,
        Seconds = r.GetValue(_seconds),
        Warmup = r.GetValue(_warmup),
        Window = r.GetValue(_window),
        Batch = r.GetValue(_batch),
        Rate = r.GetValue(_rate),
        Half = r.GetValue(_half),
        Baseline = !r.GetValue(_noBaseline),
        Server = r.GetValue(_server),
        Json = r.GetValue(_json),
        Op = r.GetValue(_op)!,
        Args = r.GetResult(_args) is null ? Defaults.Args : r.GetValue(_args)!,
        MaxRequests = r.GetValue(_maxRequests),
        Capacity = r.GetValue(_capacity),
        Idle = r.GetValue(_idle),
        IdleSystems = r.GetValue(_idleSystems),
        Busy = r.GetValue(_busy),
        KeepRateLimit = r.GetValue(_keepRateLimit),
        Profile = r.GetValue(_profile),
        IdleQuiet = r.GetValue(_idleQuiet),
        Tls = r.GetValue(_tls),
        Nats = r.GetValue(_peer) == "nats",
    };

    private static int[] ParseClients(ArgumentResult r)
    {
        var text = r.Tokens[0].Value;
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                r.AddError($"--clients takes whole numbers of at least 1, comma-separated (e.g. 1,10,25), not '{text}'");
                return [];
            }
            counts.Add(n);
        }
        return [.. counts];
    }
}
