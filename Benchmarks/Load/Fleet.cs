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

    public static Config ClientConfig(string clientHocon) =>
        ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF")
            .WithFallback(Switchboard.Messages.Startup.SwitchboardConfig.Load(clientHocon));

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
                fleet.Clients.Add(system.ActorOf(LoadClient.Props(work, server, names[i], to, tcs), "client"));
                ready.Add(tcs.Task);
                // A password is a hashing job on the server, at most a few at once (429 past them): one client at a time.
                if (password is not null) await tcs.Task.WaitAsync(timeout);
            }
            await Task.WhenAll(ready).WaitAsync(timeout);
        });
    }

    /// <summary>A system with many idle client actors (for the capacity run).</summary>
    public static async Task<Fleet> StartIdleAsync(int systems, int perSystem, Address server, string prefix, bool quiet, string clientHocon, TimeSpan timeout)
    {
        var config = ClientConfig(clientHocon);
        return await BuildAsync(async fleet =>
        {
            for (var s = 0; s < systems; s++)
            {
                var system = ActorSystem.Create("idleclients", config);
                fleet._systems.Add(system);
                var ready = new List<Task>();
                for (var i = 0; i < perSystem; i++)
                {
                    var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    fleet.Clients.Add(system.ActorOf(IdleClient.Props(server, $"{prefix}{s}-{i}", quiet, tcs), $"idle{i}"));
                    ready.Add(tcs.Task);
                }
                // one system at a time: 1,000 registrations at once on 2 cores would only measure the burst
                await Task.WhenAll(ready).WaitAsync(timeout);
            }
        });
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

/// <summary>A phase over all clients: merged latency (ns), replies/s, errors, pushed events received/s.</summary>
public sealed record PhaseResult(LongHistogram Latency, double Throughput, long Errors, double ReceivedPerSecond, long Dropped, string? FirstError)
{
    public double Ms(double percentile) => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(percentile) / 1e6;
    public double MaxMs => Latency.TotalCount == 0 ? 0 : Latency.GetMaxValue() / 1e6;

    /// <summary>Equal-length slices of one run as one result.</summary>
    public static PhaseResult Combine(IReadOnlyList<PhaseResult> slices)
    {
        var hist = LoadClient.NewHistogram();
        foreach (var s in slices) hist.Add(s.Latency);
        return new PhaseResult(hist, slices.Average(s => s.Throughput), slices.Sum(s => s.Errors), slices.Average(s => s.ReceivedPerSecond),
            slices.Sum(s => s.Dropped), slices.Select(s => s.FirstError).FirstOrDefault(e => e is not null));
    }
}
