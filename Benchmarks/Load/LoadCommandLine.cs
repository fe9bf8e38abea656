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
    private readonly Bound<int[]> _clients = Bind(new Option<int[]>("--clients")
    {
        Description = $"Client counts, comma-separated: one run (and table row) each [default: {string.Join(',', Defaults.Clients)}]",
        HelpName = "N,N,...",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = ParseClients,
    }, (o, v) => o with { Clients = v });
    private readonly Bound<double> _seconds = Valued("--seconds", "Measured seconds per run", Defaults.Seconds, (o, v) => o with { Seconds = v });
    private readonly Bound<double> _warmup = Valued("--warmup", "Warm-up seconds before measuring (not recorded)", Defaults.Warmup, (o, v) => o with { Warmup = v });
    private readonly Bound<int> _window = Valued("--window", "Requests in flight per client", Defaults.Window, (o, v) => o with { Window = v });
    private readonly Bound<int> _batch = Valued("--batch", "Most requests one of our clients sends in one message, of those it has ready (1: a message per request; the echo baseline always gets one each)", Defaults.Batch,
        (o, v) => o with { Batch = v });
    private readonly Bound<double> _rate = Valued("--rate", "Pace all clients together at this many requests/s (0: as fast as replies come; capacity: 200/s per busy client)", Defaults.Rate,
        (o, v) => o with { Rate = v });
    private readonly Bound<bool> _half = Flag("--half", "After each unpaced run, another paced at half of its peak", (o, v) => o with { Half = v });
    private readonly Bound<bool> _noBaseline = Flag("--no-baseline", "Skip the raw Akka.Remote echo baseline", (o, v) => o with { Baseline = !v });
    private readonly Bound<string?> _server = Bind(new Option<string?>("--server")
    {
        Description = "Load a server already running on this host instead of starting one",
        HelpName = "127.0.0.1:PORT",
    }, (o, v) => o with { Server = v });
    private readonly Bound<string?> _json = Bind(new Option<string?>("--json") { Description = "Also write the report to this file as JSON", HelpName = "FILE" },
        (o, v) => o with { Json = v });
    private readonly Bound<string> _op = Valued("--op", "Operation each request runs", Defaults.Op, (o, v) => o with { Op = v });
    private readonly Bound<string[]> _args = Bind(new Option<string[]>("--args")
    {
        Description = $"The operation's arguments, comma-separated [default: {string.Join(',', Defaults.Args)}]",
        HelpName = "A,B,...",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = r => r.Tokens[0].Value.Split(','),
    }, (o, v) => o with { Args = v });
    private readonly Bound<long> _maxRequests = Valued("--max-requests", "At most this many requests per client and run", Defaults.MaxRequests,
        (o, v) => o with { MaxRequests = v });
    private readonly Bound<bool> _capacity = Flag("--capacity", "Run the capacity measurement instead (as the capacity command)", (o, v) => o with { Capacity = v });
    private readonly Bound<int?> _idle = Bind(new Option<int?>("--idle")
    {
        Description = $"Idle clients to register [default: the rest of the node's {CapacityScenario.SingleNodeClients:N0} client slots; with --cluster, of {CapacityScenario.ClusterClients:N0}]",
        HelpName = "N",
    }, (o, v) => o with { Idle = v });
    private readonly Bound<int> _idleSystems = Valued("--idle-systems", "Client ActorSystems the idle clients share", Defaults.IdleSystems,
        (o, v) => o with { IdleSystems = v });
    private readonly Bound<int> _busy = Valued("--busy", "Busy clients, measured alone and then next to the idle ones", Defaults.Busy, (o, v) => o with { Busy = v });
    private readonly Bound<bool> _keepRateLimit = Flag("--keep-rate-limit", "Keep the server's per-client rate limit (off by default: it would cap the load)",
        (o, v) => o with { KeepRateLimit = v });
    private readonly Bound<bool> _profile = Flag("--profile", "Also print the CPU of each thread (load: of the server and the baseline; client-cost: of each client)", (o, v) => o with { Profile = v });
    private readonly Bound<bool> _idleQuiet = Flag("--idle-quiet", "Idle clients turn presence notices off", (o, v) => o with { IdleQuiet = v });
    private readonly Bound<bool> _cluster = Flag("--cluster", "capacity: three cluster-mode nodes on 127.0.0.1/.2/.3, the clients spread over them",
        (o, v) => o with { Cluster = v });
    private readonly Bound<string?> _tls = Bind(new Option<string?>("--tls")
    {
        Description = "Run ours and the baseline over TLS (mutual) with the certificates tls-certs.sh made in DIR (ca.pem, server.pfx, client.pfx; password in $SWITCHBOARD_TLS_PASSWORD)",
        HelpName = "DIR",
    }, (o, v) => o with { Tls = v });

    private readonly Bound<string?> _peer = Bind(new Option<string?>("--peer")
    {
        Description = "Also measure another server in the same alternating slices: 'nats' (nats-server on PATH and a NATS.Net responder)",
        HelpName = "nats",
    }, (o, v) => o with { Nats = v == "nats" });

    private readonly Bound<bool> _durable = Flag("--durable",
        "messaging: DMs between reserved names and room messages, kept in a fresh SQLite store before each is acknowledged, beside the same load kept nowhere and NATS JetStream (when nats-server is at hand), in alternating slices; each client count of --clients (1,10,25 by default)",
        (o, v) => o with { Durable = v });

    private readonly Bound<string?> _db = Bind(new Option<string?>("--db")
    {
        Description = "messaging --durable: also a one-node cluster whose data is in this PostgreSQL database (a connection string, or a 0600 file holding one, as the server's --db), in the same slices",
        HelpName = "CONNECTION|FILE",
    }, (o, v) => o with { Db = v });

    private readonly Bound<long[]> _requests = Bind(new Option<long[]>("--requests")
    {
        Description = $"client-cost: the small and the large count of requests per client process, comma-separated [default: {string.Join(',', Defaults.Requests)}]",
        HelpName = "SMALL,LARGE",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = r => r.Tokens[0].Value.Split(',').Select(t => long.TryParse(t, out var n) ? n : -1).ToArray(),
    }, (o, v) => o with { Requests = v });
    private readonly Bound<int> _repeats = Valued("--repeats", "client-cost: how many times each client runs both counts (in turns)", Defaults.Repeats, (o, v) => o with { Repeats = v });
    private readonly Bound<string[]> _compare = Bind(new Option<string[]>("--compare")
    {
        Description = "client-cost: also measure the clients built in these folders (each its ActorClient.dll and hocon/), comma-separated, in the same turns",
        HelpName = "DIR,DIR,...",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = r => r.Tokens[0].Value.Split(',', StringSplitOptions.RemoveEmptyEntries),
    }, (o, v) => o with { Compare = v });

    /// <summary>An option and where its value goes in <see cref="LoadOptions"/>.</summary>
    private interface IBound
    {
        Option Option { get; }

        LoadOptions Apply(ParseResult result, LoadOptions options);
    }

    private sealed class Bound<T>(Option<T> option, Func<LoadOptions, T, LoadOptions> set) : IBound
    {
        public Option<T> Option { get; } = option;
        Option IBound.Option => Option;

        // Left off the command line, an option keeps the LoadOptions default (the lists have no default value of their own).
        public LoadOptions Apply(ParseResult result, LoadOptions options) =>
            result.GetResult(Option) is null ? options : set(options, result.GetValue(Option)!);
    }

    private static Bound<T> Bind<T>(Option<T> option, Func<LoadOptions, T, LoadOptions> set) => new(option, set);

    private static Bound<T> Valued<T>(string name, string description, T value, Func<LoadOptions, T, LoadOptions> set) =>
        Bind(new Option<T>(name) { Description = description, DefaultValueFactory = _ => value }, set);

    private static Bound<bool> Flag(string name, string description, Func<LoadOptions, bool, LoadOptions> set) =>
        Bind(new Option<bool>(name) { Description = description }, set);

    private LoadCommandLine()
    {
        Check(_clients.Option, c => c.Length > 0, "--clients needs at least one count, e.g. --clients 1,10,25");
        Check(_seconds.Option, s => s > 0, "--seconds must be more than 0");
        Check(_window.Option, w => w >= 1, "--window must be at least 1");
        Check(_idle.Option, i => i is null or >= 0, "--idle must be 0 or more");
        Check(_idleSystems.Option, s => s >= 1, "--idle-systems must be at least 1");
        Check(_busy.Option, b => b >= 1, "--busy must be at least 1");
        Check(_batch.Option, b => b is >= 1 and <= Switchboard.Messages.Limits.MaxBatch, $"--batch must be 1 to {Switchboard.Messages.Limits.MaxBatch}");
        Check(_requests.Option, r => r is [> 0 and var a, var b] && b > a, "--requests takes two counts, the second larger, e.g. --requests 2000,20000");
        Check(_repeats.Option, r => r >= 1, "--repeats must be at least 1");
        Check(_compare.Option, d => d.All(x => File.Exists(Path.Combine(x, "ActorClient.dll"))), "--compare needs folders holding ActorClient.dll");
        Check(_peer.Option, p => p is null or "nats", "--peer takes 'nats'");
        Check(_server.Option, s => s is null || s.StartsWith("127.0.0.1:", StringComparison.Ordinal) || s.StartsWith("localhost:", StringComparison.Ordinal),
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

    private IEnumerable<IBound> All =>
    [
        _clients, _seconds, _warmup, _window, _batch, _rate, _half, _noBaseline, _server, _json, _op, _args, _maxRequests,
        _capacity, _idle, _idleSystems, _busy, _keepRateLimit, _profile, _idleQuiet, _cluster, _tls, _peer, _durable, _db, _requests, _repeats, _compare,
    ];

    /// <summary><c>load</c>, <c>capacity</c> and <c>messaging</c>, each handing its name and options to <paramref name="run"/>.</summary>
    public static IReadOnlyList<Command> Commands(Func<string, LoadOptions, int> run) =>
    [
        Create("load", "Request/reply throughput and latency, next to a raw Akka.Remote echo baseline in alternating slices",
            c => [c._clients, c._seconds, c._warmup, c._window, c._batch, c._rate, c._half, c._noBaseline, c._server, c._json, c._op, c._args, c._maxRequests, c._capacity, c._keepRateLimit, c._profile, c._tls, c._peer],
            run),
        Create("capacity", "Server memory and busy-client latency with every client slot of a node taken by idle clients in 100 client ActorSystems, against the busy clients alone (--cluster: 10,000 clients over three nodes)",
            c => [c._idle, c._idleSystems, c._idleQuiet, c._busy, c._cluster, c._seconds, c._warmup, c._window, c._rate, c._json, c._op, c._args, c._maxRequests, c._keepRateLimit, c._profile],
            run),
        Create("messaging", "Direct messages (tell) and broadcasts (say) between clients; one client count: the largest of --clients, 25 by default (--durable: kept in the history, beside JetStream, at each count)",
            c => [c._clients, c._seconds, c._warmup, c._window, c._rate, c._json, c._maxRequests, c._keepRateLimit, c._durable, c._db],
            run),
        Create("cluster", "Cluster mode, two nodes on 127.0.0.1/.2: a request on a node, and a DM within one node vs across nodes (same run)",
            c => [c._clients, c._seconds, c._warmup, c._window, c._rate, c._op, c._args, c._maxRequests, c._keepRateLimit],
            run),
        Create("scrape-cost", "What monitoring costs: server CPU per scrape of /metrics, /healthz and /status, and throughput with and without a scrape every second (the largest of --clients)",
            c => [c._clients, c._seconds, c._warmup, c._window, c._rate, c._json, c._maxRequests],
            run),
        Create("client-cost", "A client process's CPU per request, one request in flight: the scripted ActorClient against a NATS.Net client process (nats-server on PATH), each fed the small and the large count of --requests (start-up cancels out)",
            c => [c._requests, c._repeats, c._compare, c._op, c._args, c._profile, c._json],
            run),
    ];

    private static Command Create(string name, string description, Func<LoadCommandLine, IBound[]> shown, Func<string, LoadOptions, int> run)
    {
        var line = new LoadCommandLine();
        var command = new Command(name, description);
        var listed = shown(line);
        foreach (var bound in line.All)
        {
            bound.Option.Hidden = !listed.Contains(bound);
            command.Options.Add(bound.Option);
        }
        command.SetAction(r => run(name, line.Bind(r)));
        return command;
    }

    private LoadOptions Bind(ParseResult r) => All.Aggregate(new LoadOptions(), (options, bound) => bound.Apply(r, options));

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
