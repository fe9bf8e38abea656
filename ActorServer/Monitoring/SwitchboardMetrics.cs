using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// The node's instruments (<see cref="System.Diagnostics.Metrics"/>), created once by the host and handed to the
/// actors. Without a listener (no <c>--monitor</c>) every call is a cheap no-op. Tags are a small fixed set
/// (response code, message kind), never a client: Prometheus series must stay bounded.
/// <para>Exported names (OpenTelemetry's Prometheus exporter turns dots into underscores, appends the unit and
/// <c>_total</c> for counters): <c>switchboard_requests_total{code}</c>, <c>switchboard_request_duration_seconds</c>, ...</para>
/// </summary>
public sealed class SwitchboardMetrics : IDisposable
{
    public const string MeterName = "Switchboard";

    // Request latency inside the server lies between microseconds and a mutex timeout (2 s).
    static readonly IReadOnlyList<double> LatencyBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    readonly Meter _meter;
    readonly Counter<long> _requests;
    readonly Histogram<double> _latency;
    readonly Counter<long> _registrations;
    readonly Counter<long> _refusals;
    readonly UpDownCounter<long> _online;
    readonly Counter<long> _delivered;
    readonly Counter<long> _dropped;
    readonly Counter<long> _rateLimited;
    readonly Histogram<double> _lockWait;
    readonly Counter<long> _storeFaults;
    readonly UpDownCounter<long> _unacked;
    readonly Counter<long> _storeWriteFailures;
    readonly Counter<long> _storeReadFailures;
    readonly Histogram<double> _storeWrite;
    readonly Counter<long> _historyQueries;
    readonly Counter<long> _storedOffline;
    readonly Counter<long> _roomsDropped;
    // Boxed once: a tag is a KeyValuePair<string, object?>, and boxing the code per request would allocate.
    readonly ConcurrentDictionary<int, KeyValuePair<string, object?>> _codeTags = new();
    static readonly KeyValuePair<string, object?> Direct = new("kind", "direct"), Broadcast = new("kind", "broadcast"), Room = new("kind", "room");
    static readonly KeyValuePair<string, object?> AnsweredTag = new("action", "answered"), DroppedTag = new("action", "dropped");
    Func<long>? _stateMailbox;
    Func<long>? _storeBytes;
    Func<long>? _connections;
    StoreFaultNote? _lastStoreFault;
    StoreFaultNote? _lastDataStoreFailure;
    long _lastDataStoreSuccessTicks;
    readonly TimeProvider _clock;

    sealed record StoreFaultNote(DateTimeOffset At, string Reason);

    /// <summary>How long a data store failure with no success after it keeps the node "degraded" (<see cref="DataStoreTrouble"/>):
    /// a failure is seen only when something uses the store, so without traffic the word fades rather than stay forever.</summary>
    public static readonly TimeSpan DataStoreTroubleFor = TimeSpan.FromSeconds(30);

    public SwitchboardMetrics(string version = "", TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _meter = new Meter(MeterName, version);
        _requests = _meter.CreateCounter<long>("switchboard.requests", null, "Requests answered, by response code (every reply after registration)");
        _latency = _meter.CreateHistogram("switchboard.request.duration", "s", "An operation (calc, even, prime, negative, op) sent alone, from reaching its session to its reply leaving the registry; chat, who, rooms, history and batches are not timed",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _registrations = _meter.CreateCounter<long>("switchboard.registrations", null, "Names registered on this node");
        _refusals = _meter.CreateCounter<long>("switchboard.registrations.refused", null, "Registrations refused, by response code");
        _online = _meter.CreateUpDownCounter<long>("switchboard.clients.online", null, "Clients with a session on this node");
        _delivered = _meter.CreateCounter<long>("switchboard.messages.delivered", null, "Chat messages pushed to this node's clients, by kind");
        _dropped = _meter.CreateCounter<long>("switchboard.messages.dropped", null, "Chat messages dropped because the recipient was not keeping up, by kind");
        _rateLimited = _meter.CreateCounter<long>("switchboard.requests.rate_limited", null, "Requests over a client's rate limit (answered 429, or dropped while flooding)");
        _lockWait = _meter.CreateHistogram("switchboard.segment.lock.wait", "s", "Time to take the segment's cross-process lock",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _storeFaults = _meter.CreateCounter<long>("switchboard.state.unavailable", null, "Store calls that failed (segment lock timeout, I/O): each answered 503");
        _unacked = _meter.CreateUpDownCounter<long>("switchboard.events.unacked", null, "Events pushed to this node's clients and not yet acknowledged");
        _storeWriteFailures = _meter.CreateCounter<long>("switchboard.store.write_failures", null,
            "Writes to the data store that failed or were refused (disk full, I/O, the data file gone): each answered 503");
        _storeReadFailures = _meter.CreateCounter<long>("switchboard.store.read_failures", null,
            "Reads of the data store that failed (an account, conversation or inbox that could not be read back): each answered 503");
        _historyQueries = _meter.CreateCounter<long>("switchboard.history.queries", null, "History queries clients sent that the store answered (not the replays of joins)");
        _roomsDropped = _meter.CreateCounter<long>("switchboard.history.rooms_dropped", null,
            "Rooms whose whole history the store dropped: it held switchboard.history.kept-rooms rooms and another was written");
        _storedOffline = _meter.CreateCounter<long>("switchboard.messages.stored_offline", null, "DMs held for a reserved name that was offline (answered 202)");
        _storeWrite = _meter.CreateHistogram("switchboard.store.write.duration", "s", "From an account change or a kept message handed to the journal to its write confirmed",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _meter.CreateObservableGauge("switchboard.state.mailbox.messages", () => _stateMailbox?.Invoke() ?? 0, null, "Messages waiting for the state actor");
        _meter.CreateObservableGauge("switchboard.connections.open", () => _connections?.Invoke() ?? 0, null,
            "Live inbound connections on the client port (capped by switchboard.max-connections and max-connections-per-host)");
        _meter.CreateObservableGauge("switchboard.store.size", () => _storeBytes?.Invoke() ?? 0, "By", "The single-host store's file on disk (database, write-ahead log and index)");
    }

    /// <summary>This node's live sessions, for <c>/clients</c>.</summary>
    public LiveSessions Sessions { get; } = new();

    /// <summary>The last store failure, for <c>/healthz</c>'s reason.</summary>
    public (DateTimeOffset At, string Reason)? LastStoreFault => Volatile.Read(ref _lastStoreFault) is { } f ? (f.At, f.Reason) : null;

    /// <summary>Called once something listens (the monitor's exporter started): each counter without labels is shown from
    /// then on, at 0 until it counts, rather than missing until its first event (an alert on a rate needs the series).</summary>
    public void Listened()
    {
        foreach (var counter in new[] { _registrations, _storeFaults, _storeWriteFailures, _storeReadFailures, _historyQueries, _roomsDropped, _storedOffline })
            counter.Add(0);
    }

    public void Answered(int code) => _requests.Add(1, CodeTag(code));

    public void Answered(int code, long startedTimestamp)
    {
        _requests.Add(1, CodeTag(code));
        if (startedTimestamp != 0) _latency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }

    public void Registered() => _registrations.Add(1);

    public void Refused(int code) => _refusals.Add(1, CodeTag(code));

    public void SessionStarted() => _online.Add(1);

    /// <param name="unacked">Events it still owed acknowledgements for: they leave the backlog with it.</param>
    public void SessionEnded(long unacked)
    {
        _online.Add(-1);
        if (unacked != 0) _unacked.Add(-unacked);
    }

    public void Delivered(bool direct, bool room) => _delivered.Add(1, direct ? Direct : room ? Room : Broadcast);

    public void Dropped(bool direct, bool room) => _dropped.Add(1, direct ? Direct : room ? Room : Broadcast);

    public void RateLimited(bool answered) => _rateLimited.Add(1, answered ? AnsweredTag : DroppedTag);

    public void Pushed() => _unacked.Add(1);

    public void Acknowledged(long events)
    {
        if (events != 0) _unacked.Add(-events);
    }

    public void LockWaited(TimeSpan waited) => _lockWait.Record(waited.TotalSeconds);

    public void StoreFault(Exception ex)
    {
        _storeFaults.Add(1);
        Volatile.Write(ref _lastStoreFault, new StoreFaultNote(DateTimeOffset.UtcNow, ex.Message));
    }

    /// <summary>A write to the data store (SQLite or PostgreSQL) failed or was refused before it was tried.</summary>
    /// <param name="reason">One line for <c>/healthz</c> (<see cref="Switchboard.Server.Hosting.DataStoreErrors.OneLine"/>), no stack.</param>
    public void DataStoreWriteFailed(string reason)
    {
        _storeWriteFailures.Add(1);
        Volatile.Write(ref _lastDataStoreFailure, new StoreFaultNote(_clock.GetUtcNow(), reason));
    }

    /// <summary>An account, conversation or inbox could not be read back from the data store.</summary>
    public void DataStoreReadFailed(string reason)
    {
        _storeReadFailures.Add(1);
        Volatile.Write(ref _lastDataStoreFailure, new StoreFaultNote(_clock.GetUtcNow(), reason));
    }

    /// <summary>An account, conversation or inbox was read back from the data store.</summary>
    public void DataStoreRead() => Volatile.Write(ref _lastDataStoreSuccessTicks, _clock.GetUtcNow().UtcTicks);

    /// <summary>A write to the data store was confirmed, <paramref name="startedTimestamp"/> (a Stopwatch timestamp) after it was asked for.</summary>
    public void DataStoreWritten(long startedTimestamp)
    {
        _storeWrite.Record(System.Diagnostics.Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
        Volatile.Write(ref _lastDataStoreSuccessTicks, _clock.GetUtcNow().UtcTicks);
    }

    /// <summary>Why <c>/healthz</c> says "degraded": the data store's last failure, when nothing it was asked since
    /// succeeded and it is less than <see cref="DataStoreTroubleFor"/> old; null otherwise.</summary>
    public string? DataStoreTrouble
    {
        get
        {
            if (Volatile.Read(ref _lastDataStoreFailure) is not { } f || f.At.UtcTicks <= Volatile.Read(ref _lastDataStoreSuccessTicks)) return null;
            var age = _clock.GetUtcNow() - f.At;
            return age < DataStoreTroubleFor ? $"the data store failed {Math.Max(0, age.TotalSeconds):0} s ago: {f.Reason}" : null;
        }
    }

    public void HistoryQueried() => _historyQueries.Add(1);

    public void StoredOffline() => _storedOffline.Add(1);

    public void RoomHistoryDropped() => _roomsDropped.Add(1);

    /// <summary>Where the state actor's mailbox length is read at each scrape (its cell, set by the host).</summary>
    public void ObserveStateMailbox(Func<long> length) => _stateMailbox = length;

    /// <summary>Where <c>switchboard_store_size_bytes</c> reads the store's size (a single host's SQLite file).</summary>
    public void ObserveStoreBytes(Func<long> bytes) => _storeBytes = bytes;

    /// <summary>Where <c>switchboard_connections_open</c> reads the client port's live connections.</summary>
    public void ObserveConnections(Func<long> open) => _connections = open;

    KeyValuePair<string, object?> CodeTag(int code) =>
        _codeTags.TryGetValue(code, out var tag) ? tag : _codeTags.GetOrAdd(code, c => new("code", c.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public void Dispose() => _meter.Dispose();
}
