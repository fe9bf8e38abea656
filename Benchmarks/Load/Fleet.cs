using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using HdrHistogram;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// N busy clients, each with its own ActorSystem (so its own TCP association to the server, as real
/// clients have), all in this process.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private readonly List<ActorSystem> _systems = [];
    public List<IActorRef> Clients { get; } = [];

    /// <summary>
    /// The load clients' actors and their remoting run on their association's DotNetty loop, as the server's sessions
    /// do (<see cref="Switchboard.Server.Hosting.EventLoopExecutor"/>): on the .NET pool each reply woke a pool worker
    /// for the client actor and the loop again for its next request, and on a 2-core box what the load generator spends
    /// is taken from the server it measures. <c>SWITCHBOARD_LOAD_POOL=1</c> keeps them on the pool (to compare).
    /// </summary>
    public const string Dispatcher = "load-client-dispatcher";

    public static Config ClientConfig(string clientHocon) =>
        ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF\n" + (OnPool ? "" : $$"""
            {{Dispatcher}} {
              type = Dispatcher
              executor = "Switchboard.Server.Hosting.EventLoopExecutorConfigurator, ActorServer"
              throughput = 64
            }
            akka.remote.use-dispatcher = {{Dispatcher}}
            """))
            .WithFallback(Switchboard.Messages.Startup.SwitchboardConfig.Load(clientHocon));

    private static bool OnPool => Environment.GetEnvironmentVariable("SWITCHBOARD_LOAD_POOL") == "1";

    private static Props OnLoop(Props props) => OnPool ? props : props.WithDispatcher(Dispatcher);

    public static async Task<Fleet> StartAsync(int count, Target target, Address server, string prefix, Traffic traffic,
        int window, string op, string[] args, string clientHocon, TimeSpan timeout, Switchboard.Messages.Transport.Tls.TlsRemoting? tls = null,
        string[]? peers = null, int batch = 1, string? password = null, string? room = null)
    {
        var config = ClientConfig(clientHocon);
        var work = new Workload(target, traffic, window, op, args, batch, password, room);
        return await BuildAsync(async fleet =>
        {
            var names = Enumerable.Range(0, count).Select(i => $"{prefix}{i}").ToArray();
            var ready = new List<Task>();
            for (var i = 0; i < count; i++)
            {
                var system = tls is null ? ActorSystem.Create("loadclient", config)
                    : ActorSystem.Create("loadclient", BootstrapSetup.Create().WithConfig(tls.Hocon.WithFallback(config)).And(tls.Setup));
                fleet._systems.Add(system);
                var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                // Direct messages go to the other clients of this fleet, or to the given peers (another fleet's names).
                var to = peers ?? names.Where((_, j) => j != i).DefaultIfEmpty(names[i]).ToArray();
                fleet.Clients.Add(system.ActorOf(OnLoop(LoadClient.Props(work, server, names[i], to, tcs)), "client"));
                ready.Add(tcs.Task);
                // A password is a hashing job on the server, at most a few at once (429 past them): one client at a time.
                if (password is not null) await tcs.Task.WaitAsync(timeout);
            }
            await Task.WhenAll(ready).WaitAsync(timeout);
        });
    }

    /// <summary>
    /// Idle client actors, many per ActorSystem so they share its association (for the capacity run): one system per
    /// entry of <paramref name="systems"/>, with that many clients of that server. Every system is started first (the
    /// load generator's own cost, timed apart); then each server's systems register one after the other (all of a
    /// system's clients at once), the servers side by side.
    /// </summary>
    public static async Task<IdleFleet> StartIdleAsync(IReadOnlyList<(Address Server, int Clients)> systems, string prefix, bool quiet, string clientHocon, TimeSpan timeout)
    {
        var config = ClientConfig(clientHocon);
        var clock = Stopwatch.StartNew();
        var started = TimeSpan.Zero;
        var fleet = await BuildAsync(async fleet =>
        {
            for (var s = 0; s < systems.Count; s++) fleet._systems.Add(ActorSystem.Create("idleclients", config));
            started = clock.Elapsed;
            var clients = new List<IActorRef>[systems.Count];
            await Task.WhenAll(Enumerable.Range(0, systems.Count).GroupBy(s => systems[s].Server).Select(async node =>
            {
                foreach (var s in node)
                {
                    var ready = new List<Task>();
                    clients[s] = [];
                    for (var i = 0; i < systems[s].Clients; i++)
                    {
                        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        clients[s].Add(fleet._systems[s].ActorOf(IdleClient.Props(systems[s].Server, $"{prefix}{s}-{i}", quiet, tcs), $"idle{i}"));
                        ready.Add(tcs.Task);
                    }
                    await Task.WhenAll(ready).WaitAsync(timeout);
                }
            }));
            foreach (var c in clients) fleet.Clients.AddRange(c);
        });
        return new IdleFleet(fleet, started, clock.Elapsed - started);
    }

    /// <summary>One more client, from an ActorSystem of its own, registering <paramref name="name"/>: "registered", or
    /// what the server answered instead (or that it did not), and how long that took.</summary>
    public static async Task<(string Outcome, double Ms)> TryRegisterAsync(Address server, string name, string clientHocon, TimeSpan timeout)
    {
        using var system = ActorSystem.Create("probeclient", ClientConfig(clientHocon));
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        system.ActorOf(IdleClient.Props(server, name, quiet: true, tcs), "probe");
        string outcome;
        try
        {
            await tcs.Task.WaitAsync(timeout);
            outcome = "registered";
        }
        catch (InvalidOperationException e) { outcome = e.Message; }
        catch (TimeoutException) { outcome = $"no answer in {timeout.TotalSeconds:0} s"; }
        var ms = clock.Elapsed.TotalMilliseconds;
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { });
        return (outcome, ms);
    }

    // The fleet start filled and waited for; if start fails, whatever it had started is stopped.
    private static async Task<Fleet> BuildAsync(Func<Fleet, Task> start)
    {
        var fleet = new Fleet();
        try
        {
            await start(fleet);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one phase on every client: warm-up, then <paramref name="measure"/> recorded.</summary>
    public async Task<PhaseResult> RunAsync(TimeSpan warmup, TimeSpan measure, double totalRate, long maxRequestsPerClient,
        Func<Task>? atMeasureStart = null)
    {
        var now = Stopwatch.GetTimestamp();
        var from = now + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var end = from + (long)(measure.TotalSeconds * Stopwatch.Frequency);
        var rate = totalRate > 0 ? totalRate / Clients.Count : 0;
        var done = Clients.Select(_ => new TaskCompletionSource<ClientResult>(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        using var pacer = rate > 0 ? new Pacer(Clients) : null;
        for (var i = 0; i < Clients.Count; i++)
            Clients[i].Tell(new RunPhase(from, end, maxRequestsPerClient, rate, done[i]));
        await Task.Delay(warmup);
        if (atMeasureStart is not null) await atMeasureStart();
        var all = Task.WhenAll(done.Select(d => d.Task));
        var finished = await Task.WhenAny(all, Task.Delay(measure + TimeSpan.FromSeconds(15))) == all;
        var results = done.Where(d => d.Task.IsCompletedSuccessfully).Select(d => d.Task.Result).ToList();
        var hist = LoadClient.NewHistogram();
        foreach (var r in results) hist.Add(r.Latency);
        return new PhaseResult(
            hist,
            results.Sum(r => r.RepliesInWindow) / measure.TotalSeconds,
            results.Sum(r => r.Errors) + (finished ? 0 : done.Count(d => !d.Task.IsCompleted)),
            results.Sum(r => r.Received) / measure.TotalSeconds,
            results.Sum(r => r.Dropped),
            results.Select(r => r.FirstError).FirstOrDefault(e => e is not null) ?? (finished ? null : "some clients did not finish (replies lost)"));
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_systems.Select(s => s.Terminate())).WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { });
        foreach (var s in _systems) s.Dispose();
        _systems.Clear();
    }
}

/// <summary>Idle clients and how long their ActorSystems took to start and then the clients to register.</summary>
public sealed record IdleFleet(Fleet Fleet, TimeSpan SystemsStarted, TimeSpan Registered) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Fleet.DisposeAsync();
}

/// <summary>Idle fleets started one after another, all stopped together (also when a later one fails to start).</summary>
public sealed class IdleFleets : IAsyncDisposable
{
    private readonly List<IdleFleet> _fleets = [];

    public async Task<IdleFleet> AddAsync(Task<IdleFleet> start)
    {
        var fleet = await start;
        _fleets.Add(fleet);
        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_fleets.Select(f => f.DisposeAsync().AsTask()));
        _fleets.Clear();
    }
}

/// <summary>A phase over all clients: merged latency (ns), replies/s, errors, pushed events received/s.</summary>
public sealed record PhaseResult(LongHistogram Latency, double Throughput, long Errors, double ReceivedPerSecond, long Dropped, string? FirstError)
{
    public double Ms(double percentile) => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(percentile) / 1e6;
    public double MaxMs => Latency.TotalCount == 0 ? 0 : Latency.GetMaxValue() / 1e6;

    /// <summary>Fleets that ran side by side (over the same time) as one result: their rates add up.</summary>
    public static PhaseResult Merge(IReadOnlyList<PhaseResult> fleets)
    {
        var hist = LoadClient.NewHistogram();
        foreach (var f in fleets) hist.Add(f.Latency);
        return new PhaseResult(hist, fleets.Sum(f => f.Throughput), fleets.Sum(f => f.Errors), fleets.Sum(f => f.ReceivedPerSecond),
            fleets.Sum(f => f.Dropped), fleets.Select(f => f.FirstError).FirstOrDefault(e => e is not null));
    }

    /// <summary>Equal-length slices of one run as one result.</summary>
    public static PhaseResult Combine(IReadOnlyList<PhaseResult> slices)
    {
        var hist = LoadClient.NewHistogram();
        foreach (var s in slices) hist.Add(s.Latency);
        return new PhaseResult(hist, slices.Average(s => s.Throughput), slices.Sum(s => s.Errors), slices.Average(s => s.ReceivedPerSecond),
            slices.Sum(s => s.Dropped), slices.Select(s => s.FirstError).FirstOrDefault(e => e is not null));
    }
}
