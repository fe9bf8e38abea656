using System.Diagnostics;
using Akka.Actor;
using HdrHistogram;
using Switchboard.Messages;

namespace Switchboard.Benchmarks.Load;

/// <summary>What a busy client sends: an operation (request/reply), a direct message, or a broadcast.</summary>
public enum Traffic { Request, Tell, Say }

/// <summary>How a load client reaches its server: registered at the gateway, or the raw echo actor.</summary>
public enum Target { Switchboard, Echo }

/// <summary>
/// What every client of a fleet does: whom it targets, what traffic it sends and how much of it at once (at most
/// <see cref="Window"/> in flight, up to <see cref="Batch"/> requests a message). With a <see cref="Password"/> each client
/// registers with it and reserves its name first (so the server keeps its DMs); with a <see cref="Room"/> it joins it
/// first and says its messages there.
/// </summary>
public sealed record Workload(Target Target, Traffic Traffic, int Window, string Op, string[] Args, int Batch, string? Password = null, string? Room = null);

/// <summary>One phase of load: send from now until <see cref="EndTs"/>, record what was sent after <see cref="MeasureFromTs"/>.</summary>
public sealed record RunPhase(long MeasureFromTs, long EndTs, long MaxRequests, double RatePerSecond, TaskCompletionSource<ClientResult> Done);

/// <summary>What one client measured in one phase.</summary>
public sealed record ClientResult(LongHistogram Latency, long RepliesInWindow, long Errors, long Received, long Dropped, string? FirstError);

/// <summary>Pacing tick (from <see cref="Pacer"/>).</summary>
public sealed record PaceTick
{
    public static readonly PaceTick Instance = new();
}

/// <summary>
/// A benchmark client actor, shaped like the real ActorClient: registers with <c>/user/gateway</c> (or
/// identifies the echo actor), then keeps at most <c>window</c> requests in flight to its session and
/// records each round trip in an HdrHistogram (nanoseconds). Pushed events are acknowledged every 32.
/// </summary>
public sealed class LoadClient : ReceiveActor
{
    public const long HighestNs = 60L * 1_000_000_000;
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    private readonly Workload _work;
    private readonly Address _server;
    private readonly string _name;
    private readonly string[] _peers;
    private readonly TaskCompletionSource<bool> _ready;
    private readonly long[] _sentAt;
    private readonly Request[] _queued;
    private IActorRef _session = ActorRefs.Nobody;
    // Setup requests (reserve, join) not answered yet; their ids are negative, apart from the load's.
    private int _setup;

    private RunPhase? _phase;
    private LongHistogram _latency = NewHistogram();
    private long _nextId, _inFlight, _sent, _repliesInWindow, _errors, _received, _dropped, _acked, _phaseStartTs;
    private string? _firstError;
    private bool _stopping;

    public LoadClient(Workload work, Address server, string name, string[] peers, TaskCompletionSource<bool> ready)
    {
        _work = work with { Batch = Math.Clamp(work.Batch, 1, Limits.MaxBatch) };
        _queued = new Request[_work.Batch];
        _sentAt = new long[work.Window];
        _server = server;
        _name = name;
        _peers = peers;
        _ready = ready;
        Become(Connecting);
    }

    public static Props Props(Workload work, Address server, string name, string[] peers, TaskCompletionSource<bool> ready) =>
        Akka.Actor.Props.Create(() => new LoadClient(work, server, name, peers, ready));

    public static LongHistogram NewHistogram() => new(HighestNs, 3);

    protected override void PreStart()
    {
        if (_work.Target == Target.Switchboard)
            Context.ActorSelection(new RootActorPath(_server) / "user" / "gateway").Tell(new Register(_name, Password: _work.Password));
        else
            Context.ActorSelection(new RootActorPath(_server) / "user" / "echo").Tell(new Identify(_name));
    }

    private void Connecting()
    {
        Receive<Registered>(r =>
        {
            _session = r.Session;
            if (_work.Password is not null) Setup(new AccountCommand(-1, AccountAction.Reserve, _work.Password));
            if (_work.Room is not null) Setup(new JoinRoom(-2, _work.Room));
            if (_setup == 0) GoOnline();
        });
        Receive<Reply>(r =>
        {
            if (r.Code != Codes.Ok) _ready.TrySetException(new InvalidOperationException($"{_name}: setup request {r.Id} answered {r.Code} {r.Error}"));
            else if (--_setup == 0) GoOnline();
        });
        Receive<Rejected>(r => _ready.TrySetException(new InvalidOperationException($"{_name} rejected: {r.Code} {r.Error}")));
        Receive<ActorIdentity>(id =>
        {
            if (id.Subject is null || id.Subject.IsNobody())
            {
                _ready.TrySetException(new InvalidOperationException("no echo actor at " + _server));
                return;
            }
            _session = id.Subject;
            GoOnline();
        });
        Pushed();
    }

    private void Setup(ISwitchboardMessage request)
    {
        _setup++;
        _session.Tell(request);
    }

    private void GoOnline()
    {
        _ready.TrySetResult(true);
        Become(Online);
    }

    private void Online()
    {
        Receive<RunPhase>(p =>
        {
            _phase = p;
            _latency = NewHistogram();
            _sent = _repliesInWindow = _errors = _dropped = 0;
            _firstError = null;
            _stopping = false;
            _phaseStartTs = Stopwatch.GetTimestamp();
            _received = 0;
            if (p.RatePerSecond <= 0) Fill(Stopwatch.GetTimestamp());
        });
        Receive<PaceTick>(_ =>
        {
            if (_phase is { RatePerSecond: > 0 } && !_stopping) Fill(Stopwatch.GetTimestamp());
        });
        Receive<Reply>(r =>
        {
            if (OnReply(r)) Refill(Stopwatch.GetTimestamp());
        });
        // Replies that came together: all recorded first, then the freed window refilled in as few messages as it takes.
        Receive<ReplyBatch>(b =>
        {
            var refill = false;
            foreach (var r in b.Replies) refill = OnReply(r);
            if (refill) Refill(Stopwatch.GetTimestamp());
        });
        Pushed();
    }

    // Chat events pushed by the server: count them and acknowledge every 32 (flow control).
    private void Pushed()
    {
        Receive<Incoming>(_ => OnPushed());
        Receive<PresenceBatch>(_ => OnPushed());
        Receive<Dropped>(_ =>
        {
            _dropped++;
            OnPushed();
        });
    }

    private void OnPushed()
    {
        if (_phase is { } p && Stopwatch.GetTimestamp() is var now && now >= p.MeasureFromTs && now <= p.EndTs) _received++;
        var total = ++_acked;
        if (total % 32 == 0 && !_session.IsNobody()) _session.Tell(new Ack(total));
    }

    private void Fill(long now)
    {
        var p = _phase!;
        if (now >= p.EndTs || _sent >= p.MaxRequests)
        {
            Stop();
            return;
        }
        long allowed = long.MaxValue;
        if (p.RatePerSecond > 0)
            allowed = (long)((now - _phaseStartTs) / (double)Stopwatch.Frequency * p.RatePerSecond) + 1 - _sent;
        var queued = 0;
        while (_inFlight < _work.Window && allowed-- > 0 && _sent < p.MaxRequests)
        {
            var id = ++_nextId;
            _sentAt[id % _work.Window] = Stopwatch.GetTimestamp();
            _inFlight++;
            _sent++;
            if (_work.Traffic == Traffic.Request && _work.Batch > 1)
            {
                // what is at hand goes out together, at most --batch per message; nothing waits for more
                _queued[queued++] = new Request(id, _work.Op, _work.Args);
                if (queued == _work.Batch) queued = Flush(queued);
                continue;
            }
            _session.Tell(_work.Traffic switch
            {
                Traffic.Request => new Request(id, _work.Op, _work.Args),
                Traffic.Tell => new Tell(id, _peers[(int)(id % _peers.Length)], "hello from " + _name),
                _ => (ISwitchboardMessage)new Say(id, _work.Room, "hello everyone from " + _name),
            });
        }
        Flush(queued);
    }

    private int Flush(int queued)
    {
        if (queued == 1) _session.Tell(_queued[0]);
        else if (queued > 1) _session.Tell(new RequestBatch(_queued.AsSpan(0, queued).ToArray()));
        return 0;
    }

    private void Refill(long now)
    {
        if (_phase is { RatePerSecond: <= 0 }) Fill(now);
    }

    /// <summary>Records one reply; true when the window may be refilled (unpaced, phase still running).</summary>
    private bool OnReply(Reply r)
    {
        var now = Stopwatch.GetTimestamp();
        if (_phase is not { } p) return false;
        _inFlight--;
        var sentAt = _sentAt[r.Id % _work.Window];
        if (sentAt >= p.MeasureFromTs)
        {
            _latency.RecordValue(Math.Min(HighestNs, (long)((now - sentAt) * NsPerTick)));
            if (now <= p.EndTs) _repliesInWindow++;
            if (r.Code != Codes.Ok)
            {
                _errors++;
                _firstError ??= $"{r.Code} {r.Error}";
            }
        }
        if (_stopping || now >= p.EndTs || _sent >= p.MaxRequests)
        {
            Stop();
            return false;
        }
        return p.RatePerSecond <= 0;
    }

    private void Stop()
    {
        _stopping = true;
        if (_inFlight > 0 || _phase is null) return;
        var p = _phase;
        _phase = null;
        p.Done.TrySetResult(new ClientResult(_latency, _repliesInWindow, _errors, _received, _dropped, _firstError));
    }
}

/// <summary>One thread that ticks every paced client about once a millisecond.</summary>
public sealed class Pacer : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public Pacer(IReadOnlyList<IActorRef> clients)
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                foreach (var c in clients) c.Tell(PaceTick.Instance);
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "pacer" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}

/// <summary>An idle registered client: registers and acknowledges what is pushed to it, nothing else.</summary>
public sealed class IdleClient : ReceiveActor
{
    private IActorRef _session = ActorRefs.Nobody;
    private long _received;

    public IdleClient(Address server, string name, bool quiet, TaskCompletionSource<bool> ready)
    {
        Receive<Registered>(r =>
        {
            _session = r.Session;
            if (quiet) _session.Tell(new SetPresence(1, false));
            ready.TrySetResult(true);
        });
        Receive<Reply>(_ => { });
        Receive<Rejected>(r => ready.TrySetException(new InvalidOperationException($"{name} rejected: {r.Code} {r.Error}")));
        ReceiveAny(_ =>
        {
            if (++_received % 32 == 0 && !_session.IsNobody()) _session.Tell(new Ack(_received));
        });
        Context.ActorSelection(new RootActorPath(server) / "user" / "gateway").Tell(new Register(name));
    }

    public static Props Props(Address server, string name, bool quiet, TaskCompletionSource<bool> ready) =>
        Akka.Actor.Props.Create(() => new IdleClient(server, name, quiet, ready));
}
