using System.Diagnostics;
using System.Text;
using HdrHistogram;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Switchboard.Benchmarks.Load;

namespace Switchboard.Benchmarks.Nats;

/// <summary>
/// N NATS clients in this process, each with its own connection (as each of ours has its own association), each
/// keeping at most <c>window</c> messages in flight; same payload, same HdrHistogram. A message is a request to the
/// responder (<see cref="StartAsync"/>) or a JetStream publish awaiting the stream's ack (<see cref="StartJetStreamAsync"/>).
/// </summary>
public sealed class NatsFleet : IAsyncDisposable
{
    /// <summary>The JetStream stream over the DM and room subjects (<c>dm.TO.FROM</c>, <c>room.ROOM</c>).</summary>
    public const string Stream = "SWITCHBOARD";

    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;
    private readonly List<NatsConnection> _connections = [];
    // Per client: one message's exchange (its n-th), null when it succeeded, else what went wrong.
    private readonly List<Func<long, Task<string?>>> _exchanges = [];
    private readonly List<Task> _readers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly int _window;
    private long _received, _countFrom, _countTo;

    private NatsFleet(int window) => _window = window;

    /// <summary>Request/reply: <c>op args</c> to the responder, a reply starting "200" is a success.</summary>
    public static Task<NatsFleet> StartAsync(int count, string url, int window, string op, string[] args, TimeSpan timeout)
    {
        var payload = Encoding.ASCII.GetBytes(op + " " + string.Join(' ', args));
        return ConnectAsync(count, url, window, timeout, (_, c, _) => Task.FromResult<Func<long, Task<string?>>>(async _ =>
        {
            var reply = await c.RequestAsync<byte[], byte[]>(NatsResponder.Subject, payload);
            return reply.Data is { Length: > 4 } d && d[0] == (byte)'2' && d[1] == (byte)'0' && d[2] == (byte)'0' ? null
                : reply.Data is null ? "empty reply" : Encoding.ASCII.GetString(reply.Data);
        }));
    }

    /// <summary>
    /// Durable messages: a stream (file storage, at most 1,000 messages a subject, as our history keeps 1,000 a
    /// conversation) over DMs (<c>dm.TO.FROM</c>, to the other clients in turn) or, with <paramref name="room"/>, that
    /// room's subject; each publish awaits the stream's ack. Every client also subscribes (core) to its DMs and the
    /// room, so what is published is delivered too, as ours is; its own messages are not echoed back to it.
    /// </summary>
    public static async Task<NatsFleet> StartJetStreamAsync(int count, string url, int window, string prefix, string? room, TimeSpan timeout)
    {
        var names = Enumerable.Range(0, count).Select(i => $"{prefix}{i}").ToArray();
        return await ConnectAsync(count, url, window, timeout, async (fleet, c, i) =>
        {
            var js = new NatsJSContext(c);
            if (i == 0) await js.CreateStreamAsync(new StreamConfig(Stream, ["dm.>", "room.>"]) { Storage = StreamConfigStorage.File, MaxMsgsPerSubject = 1000 });
            var me = names[i];
            fleet.Subscribe(c, $"dm.{me}.*");
            if (room is not null) fleet.Subscribe(c, $"room.{room}");
            await c.PingAsync(); // the subscriptions are registered at the server before the load starts
            var peers = names.Where((_, j) => j != i).DefaultIfEmpty(me).ToArray();
            var text = Encoding.UTF8.GetBytes(room is null ? "hello from " + me : "hello everyone from " + me);
            return async n =>
            {
                var ack = await js.PublishAsync(room is null ? $"dm.{peers[n % peers.Length]}.{me}" : $"room.{room}", text);
                ack.EnsureSuccess();
                return null;
            };
        });
    }

    private static async Task<NatsFleet> ConnectAsync(int count, string url, int window, TimeSpan timeout,
        Func<NatsFleet, NatsConnection, int, Task<Func<long, Task<string?>>>> exchange)
    {
        var fleet = new NatsFleet(window);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var c = new NatsConnection(new NatsOpts { Url = url, Name = $"load{i}", RequestTimeout = TimeSpan.FromSeconds(10), Echo = false });
                fleet._connections.Add(c);
                await c.ConnectAsync().AsTask().WaitAsync(timeout);
                fleet._exchanges.Add(await exchange(fleet, c, i).WaitAsync(timeout));
            }
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    // Counts what arrives within the running phase (as our clients count Incoming).
    private void Subscribe(NatsConnection c, string subject) => _readers.Add(Task.Run(async () =>
    {
        try
        {
            await foreach (var _ in c.SubscribeAsync<byte[]>(subject, cancellationToken: _stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= Interlocked.Read(ref _countFrom) && now <= Interlocked.Read(ref _countTo)) Interlocked.Increment(ref _received);
            }
        }
        catch (OperationCanceledException) { }
    }));

    /// <summary>One phase of <paramref name="measure"/>, paced at <paramref name="totalRate"/> over all clients (0: unpaced).</summary>
    public async Task<PhaseResult> RunAsync(TimeSpan measure, double totalRate, long maxRequestsPerClient)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(measure.TotalSeconds * Stopwatch.Frequency);
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _countTo, end);
        Interlocked.Exchange(ref _countFrom, start);
        var perClient = totalRate > 0 ? totalRate / _connections.Count : 0;
        var clients = _exchanges.Select(x => new NatsClientRun(x, start, end, perClient, maxRequestsPerClient)).ToList();
        await Task.WhenAll(clients.Select(c => c.RunAsync(_window)));
        var hist = LoadClient.NewHistogram();
        foreach (var c in clients) foreach (var h in c.Histograms) hist.Add(h);
        return new PhaseResult(hist, clients.Sum(c => c.Replies) / measure.TotalSeconds, clients.Sum(c => c.Errors),
            Interlocked.Read(ref _received) / measure.TotalSeconds, 0, clients.Select(c => c.FirstError).FirstOrDefault(e => e is not null));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        foreach (var c in _connections) await c.DisposeAsync();
        _connections.Clear();
        _stop.Dispose();
    }

    /// <summary>One client's phase: <c>window</c> loops sharing its connection, each one message at a time.</summary>
    private sealed class NatsClientRun(Func<long, Task<string?>> exchange, long start, long end, double rate, long max)
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
                    // the n-th message of this client is due n/rate seconds into the phase
                    var due = start + (long)((n - 1) / rate * Stopwatch.Frequency);
                    var wait = due - Stopwatch.GetTimestamp();
                    if (due >= end) return;
                    if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                }
                var sentAt = Stopwatch.GetTimestamp();
                if (sentAt >= end) return;
                string? error;
                try
                {
                    error = await exchange(n);
                    // answered (a reply, or the stream's ack), right or wrong: a round trip
                    var now = Stopwatch.GetTimestamp();
                    latency.RecordValue(Math.Min(LoadClient.HighestNs, (long)((now - sentAt) * NsPerTick)));
                    if (now <= end) Interlocked.Increment(ref _replies);
                }
                catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException)
                {
                    error = e.Message;
                }
                if (error is null) continue;
                Interlocked.Increment(ref _errors);
                FirstError ??= error;
            }
        }
    }
}
