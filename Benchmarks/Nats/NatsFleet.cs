using System.Diagnostics;
using System.Text;
using HdrHistogram;
using NATS.Client.Core;
using Switchboard.Benchmarks.Load;

namespace Switchboard.Benchmarks.Nats;

/// <summary>
/// N NATS clients in this process, each with its own connection (as each of ours has its own association),
/// each keeping at most <c>window</c> requests in flight to the responder; same payload, same HdrHistogram.
/// </summary>
public sealed class NatsFleet : IAsyncDisposable
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;
    private readonly List<NatsConnection> _connections = [];
    private readonly int _window;
    private readonly byte[] _payload;

    private NatsFleet(int window, string op, string[] args)
    {
        _window = window;
        _payload = Encoding.ASCII.GetBytes(op + " " + string.Join(' ', args));
    }

    public static async Task<NatsFleet> StartAsync(int count, string url, int window, string op, string[] args, TimeSpan timeout)
    {
        var fleet = new NatsFleet(window, op, args);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var c = new NatsConnection(new NatsOpts { Url = url, Name = $"load{i}", RequestTimeout = TimeSpan.FromSeconds(10) });
                fleet._connections.Add(c);
                await c.ConnectAsync().AsTask().WaitAsync(timeout);
            }
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>One phase of <paramref name="measure"/>, paced at <paramref name="totalRate"/> over all clients (0: unpaced).</summary>
    public async Task<PhaseResult> RunAsync(TimeSpan measure, double totalRate, long maxRequestsPerClient)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(measure.TotalSeconds * Stopwatch.Frequency);
        var perClient = totalRate > 0 ? totalRate / _connections.Count : 0;
        var clients = _connections.Select(c => new NatsClientRun(c, _payload, start, end, perClient, maxRequestsPerClient)).ToList();
        await Task.WhenAll(clients.Select(c => c.RunAsync(_window)));
        var hist = LoadClient.NewHistogram();
        foreach (var c in clients) foreach (var h in c.Histograms) hist.Add(h);
        return new PhaseResult(hist, clients.Sum(c => c.Replies) / measure.TotalSeconds, clients.Sum(c => c.Errors), 0, 0,
            clients.Select(c => c.FirstError).FirstOrDefault(e => e is not null));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections) await c.DisposeAsync();
        _connections.Clear();
    }

    /// <summary>One client's phase: <c>window</c> loops sharing its connection, each one request at a time.</summary>
    private sealed class NatsClientRun(NatsConnection connection, byte[] payload, long start, long end, double rate, long max)
    {
        private long _sent;
        private long _replies, _errors;
        public LongHistogram[] Histograms { get; private set; } = [];
        public long Replies => Interlocked.Read(ref _replies);
        public long Errors => Interlocked.Read(ref _errors);
        public string? FirstError { get; private set; }

        public Task RunAsync(int window)
        {
            Histograms = Enumerable.Range(0, window).Select(_ => LoadClient.NewHistogram()).ToArray();
            return Task.WhenAll(Histograms.Select(h => Task.Run(() => LoopAsync(h))));
        }

        private async Task LoopAsync(LongHistogram latency)
        {
            while (true)
            {
                var n = Interlocked.Increment(ref _sent);
                if (n > max) return;
                if (rate > 0)
                {
                    // the n-th request of this client is due n/rate seconds into the phase
                    var due = start + (long)((n - 1) / rate * Stopwatch.Frequency);
                    var wait = due - Stopwatch.GetTimestamp();
                    if (due >= end) return;
                    if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                }
                var sentAt = Stopwatch.GetTimestamp();
                if (sentAt >= end) return;
                try
                {
                    var reply = await connection.RequestAsync<byte[], byte[]>(NatsResponder.Subject, payload);
                    var now = Stopwatch.GetTimestamp();
                    latency.RecordValue(Math.Min(LoadClient.HighestNs, (long)((now - sentAt) * NsPerTick)));
                    if (now <= end) Interlocked.Increment(ref _replies);
                    if (reply.Data is not { Length: > 4 } d || d[0] != (byte)'2' || d[1] != (byte)'0' || d[2] != (byte)'0')
                    {
                        Interlocked.Increment(ref _errors);
                        FirstError ??= reply.Data is null ? "empty reply" : Encoding.ASCII.GetString(reply.Data);
                    }
                }
                catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException)
                {
                    Interlocked.Increment(ref _errors);
                    FirstError ??= e.Message;
                }
            }
        }
    }
}
