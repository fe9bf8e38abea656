using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using Switchboard.Messages;
using Switchboard.Server.Protocol;
using Switchboard.Server.State;

namespace Switchboard.Server.Actors;

/// <summary>
/// The one owner of the state store (the shared-memory segment and its cross-process mutex). Runs on a
/// pinned thread because the mutex must be released by the thread that took it; every store call is one
/// short synchronous critical section. It stamps and sends replies itself, so a request costs one local
/// hop here and no Ask.
/// </summary>
public sealed class StateActor : ReceiveActor, IWithTimers
{
    private readonly Func<IStateStore> _open;
    private readonly ServerSummary _summary;
    private readonly TimeSpan _maintainInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IStateStore? _store;

    // Requests served per live slot on this node, for the shutdown summary without a per-request lookup.
    private readonly Dictionary<int, (string Name, long Requests)> _live = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public StateActor(Func<IStateStore> open, ServerSummary summary, TimeSpan maintainInterval)
    {
        _open = open;
        _summary = summary;
        _maintainInterval = maintainInterval;

        Receive<CountAndReply>(OnCount);
        Receive<ClaimName>(OnClaim);
        Receive<ReleaseAndReply>(OnReleaseAndReply);
        Receive<ReleaseName>(m => Release(m.Slot, m.Name, m.Reason));
        Receive<GetSnapshot>(_ => Guarded(() => Sender.Tell(Store.Snapshot()), () => Sender.Tell(new Status.Failure(new TimeoutException("state unavailable")))));
        Receive<Maintain>(_ => OnMaintain());
    }

    public static Props Props(Func<IStateStore> open, ServerSummary summary, TimeSpan maintainInterval) =>
        Akka.Actor.Props.Create(() => new StateActor(open, summary, maintainInterval));

    private IStateStore Store => _store ?? throw new InvalidOperationException("state store is not open");

    protected override void PreStart()
    {
        _store = _open();
        Timers.StartPeriodicTimer("maintain", Maintain.Instance, _maintainInterval);
    }

    protected override void PostStop()
    {
        foreach (var (_, (name, requests)) in _live) _summary.Record(name, requests);
        _live.Clear();
        _summary.Complete();
        _store?.Dispose();
        _store = null;
    }

    // The hot path: no closures, no lookups beyond one dictionary slot.
    private void OnCount(CountAndReply m)
    {
        bool counted;
        SeqPair seq;
        try
        {
            counted = Store.TryCount(m.Slot, out seq);
        }
        catch (Exception ex) when (IsStoreFault(ex))
        {
            Unavailable(ex, m.Client, m.Id);
            return;
        }

        if (!counted)
        {
            m.Client.Tell(new Reply(m.Id, Codes.Unavailable, 0, 0, OpValue.None, "registration lost; register again"));
            return;
        }
        Track(m.Slot, seq);
        var o = m.Outcome;
        m.Client.Tell(new Reply(m.Id, o.Code, seq.ClientSeq, seq.ServerSeq, o.Value, o.Error));
    }

    private void OnClaim(ClaimName m)
    {
        Guarded(() =>
        {
            var r = Store.Claim(m.Name);
            switch (r.Status)
            {
                case ClaimStatus.Claimed:
                    _live[r.Slot.Index] = (m.Name, 0);
                    Sender.Tell(new NameClaimed(m.Name, m.Client, r.Slot, r.Seq));
                    break;
                case ClaimStatus.Taken:
                    Sender.Tell(new NameRefused(m.Name, m.Client, Codes.NameTaken, $"name '{m.Name}' is already taken"));
                    break;
                default:
                    Sender.Tell(new NameRefused(m.Name, m.Client, Codes.Unavailable, "server is full"));
                    break;
            }
        }, () => Sender.Tell(new NameRefused(m.Name, m.Client, Codes.Unavailable, "server state unavailable, try again")));
    }

    private void OnReleaseAndReply(ReleaseAndReply m)
    {
        bool counted;
        SeqPair seq;
        try
        {
            counted = Store.TryCount(m.Slot, out seq);
        }
        catch (Exception ex) when (IsStoreFault(ex))
        {
            Unavailable(ex, m.Client, m.Id);
            return;
        }

        if (counted)
        {
            Track(m.Slot, seq);
            Release(m.Slot, m.Name, "unregistered");
        }
        // Either way the name is no longer this client's: the unregister succeeded.
        m.Client.Tell(new Reply(m.Id, Codes.Ok, seq.ClientSeq, seq.ServerSeq, OpValue.Of("unregistered"), null));
    }

    /// <summary>clientSeq - 1 is the client's request count (registration is reply 1).</summary>
    private void Track(SlotHandle slot, SeqPair seq)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_live, slot.Index);
        if (!Unsafe.IsNullRef(ref entry)) entry.Requests = seq.ClientSeq - 1;
    }

    private void Unavailable(Exception ex, IActorRef client, long id)
    {
        _log.Error(ex, "state store unavailable");
        client.Tell(new Reply(id, Codes.Unavailable, 0, 0, OpValue.None, "server state unavailable, try again"));
    }

    private static bool IsStoreFault(Exception ex) => ex is TimeoutException or IOException;

    private void Release(SlotHandle slot, string name, string reason)
    {
        Guarded(() =>
        {
            if (!Store.Release(slot)) return;
            if (_live.Remove(slot.Index, out var e)) _summary.Record(e.Name, e.Requests);
            _log.Info("name {0} freed ({1})", name, reason);
        }, () => { });
    }

    private void OnMaintain()
    {
        Guarded(() =>
        {
            var reaped = Store.Maintain();
            if (reaped > 0) _log.Warning("reaped {0} client(s) of dead node(s)", reaped);
        }, () => { });
    }

    /// <summary>A busy or broken segment costs one request a 503, never the actor or the server.</summary>
    private void Guarded(Action work, Action onUnavailable)
    {
        try
        {
            work();
        }
        catch (Exception ex) when (IsStoreFault(ex))
        {
            _log.Error(ex, "state store unavailable");
            onUnavailable();
        }
    }
}
