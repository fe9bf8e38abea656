using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Switchboard.Server.Cluster;

/// <summary>
/// Keeps this node's cluster the one cluster on its database (<see cref="StoreClaims"/>): once the node is Up, and every
/// renewal interval and membership change after, it renews the database's claim row through <c>claim</c> (one
/// transaction at the database's clock). The gate opens at the first claim held; a node that never served and sees
/// another cluster renew its claim says why and leaves (<c>refuse</c>: the node side stops with
/// <see cref="StoreClaimedElsewhere"/>, exit code 1); one that finds it unrenewed between looks waits for it to lapse. A serving node that finds one (two clusters after a split)
/// closes the gate, logs it once, and opens it again when its renewal holds or takes the claim (the other's lapsed). A refusal counts once the next look agrees: a node that has
/// just become Up may not have heard of all its members yet.
/// </summary>
public sealed class StoreClaimActor : ReceiveActor, IWithTimers
{
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, Member> _members = [];
    private readonly Func<StoreClaimAsk, Task<StoreClaimAnswer>> _claim;
    private readonly StoreClaimGate _gate;
    private readonly string _store;
    private readonly TimeSpan _renew, _lease;
    private readonly Action<string> _refuse;
    private bool _up, _asking, _again, _everHeld, _failing;
    private int _refusals;
    // A node that never served: when the other cluster's row said it was renewed, at its first look.
    private DateTime? _firstRenewed;

    public StoreClaimActor(Func<StoreClaimAsk, Task<StoreClaimAnswer>> claim, StoreClaimGate gate, string store, TimeSpan renew, TimeSpan lease,
        Action<string> refuse)
    {
        (_claim, _gate, _store, _renew, _lease, _refuse) = (claim, gate, store, renew, lease, refuse);
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            _members.Remove(m.Member.UniqueAddress);
            Ask();
        });
        Receive<ClusterEvent.IMemberEvent>(m =>
        {
            _members[m.Member.UniqueAddress] = m.Member;
            if (m.Member.UniqueAddress == _cluster.SelfUniqueAddress && m.Member.Status == MemberStatus.Up) _up = true;
            Ask();
        });
        Receive<RenewClaim>(_ => Ask());
        Receive<StoreClaimAnswer>(Answered);
        Receive<Failed>(f =>
        {
            _asking = false;
            if (!_failing) _log.Warning("could not renew the claim on the data store {0}: {1} (tried again every {2})", _store, f.Why, StoreClaims.Seconds(_renew));
            _failing = true;
            Again();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Func<StoreClaimAsk, Task<StoreClaimAnswer>> claim, StoreClaimGate gate, string store, TimeSpan renew, TimeSpan lease,
        Action<string> refuse) => Akka.Actor.Props.Create(() => new StoreClaimActor(claim, gate, store, renew, lease, refuse));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer("renew", RenewClaim.Instance, _renew);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Ask()
    {
        if (!_up) return;
        if (_asking)
        {
            _again = true;
            return;
        }
        _asking = true;
        var serving = _members.Values.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining).OrderBy(m => m.Address.ToString()).ToList();
        var ask = new StoreClaimAsk(_members.Keys.Select(StoreClaims.IdOf).ToHashSet(),
            [.. serving.Select(m => StoreClaims.IdOf(m.UniqueAddress))], [.. serving.Select(NodeSide.FrontOf)]);
        _claim(ask).PipeTo(Self, failure: e => new Failed(e is OperationCanceledException ? "no answer in time" : e.GetBaseException().Message));
    }

    private void Answered(StoreClaimAnswer a)
    {
        _asking = false;
        if (_failing) _log.Info("the claim on the data store {0} is renewed again", _store);
        _failing = false;
        if (a.Verdict == StoreClaimVerdict.Refuse)
        {
            if (!_everHeld)
            {
                // Refused only once the other cluster is seen renewing: a row that stays as it was may be a killed
                // cluster's, which lapses after the lease (then taken); a node started right after every node was killed
                // waits for it instead of exiting. The first look of a node just Up may also have missed members.
                _firstRenewed ??= a.Row.Renewed;
                if (a.Row.Renewed == _firstRenewed)
                {
                    if (++_refusals == 2) _log.Warning(StoreClaims.Waiting(_store, a.Row, _lease)); // once
                    Again();
                    return;
                }
                // Said once, by the node's "error:" line as it exits.
                _refuse(StoreClaims.Refusal(_store, a.Row, _lease));
                Become(() => { });
                return;
            }
            // The first look of a node just Up may have missed members it has not heard of yet: the next one decides.
            if (++_refusals < 2)
            {
                Again();
                return;
            }
            if (_gate.Problem() is null) _log.Error(StoreClaims.Lost(_store, a.Row, _lease));
            _gate.Lost($"the data store {_store} is claimed by another cluster ({StoreClaims.Holders(a.Row)})");
            Again();
            return;
        }
        _refusals = 0;
        if (!_everHeld)
            _log.Info("this cluster holds the data store {0} ({1}; renewed every {2}, lapses {3} after its last renewal unless released by a clean stop)",
                _store, a.Verdict == StoreClaimVerdict.Take ? "claimed" : "its claim", StoreClaims.Seconds(_renew), StoreClaims.Seconds(_lease));
        var back = _everHeld && _gate.Problem() is not null;
        if (back) _log.Warning("{0}: kept messages and account changes are accepted again", _gate.Back);
        _everHeld = true;
        _gate.Held();
        // What waited for the claim goes on now (the relay's forgotten pages and markers).
        if (back) Context.System.EventStream.Publish(StoreClaimBack.Instance);
        Again();
    }

    private void Again()
    {
        if (!_again) return;
        _again = false;
        Ask();
    }

    private sealed record Failed(string Why);
}

/// <summary>Renew the claim now (the actor's own timer sends it every renewal interval).</summary>
public sealed class RenewClaim
{
    public static readonly RenewClaim Instance = new();

    private RenewClaim()
    {
    }
}

/// <summary>Why a node's cluster side stopped: another cluster holds its database.</summary>
public sealed class StoreClaimedElsewhere : CoordinatedShutdown.Reason
{
    public static readonly StoreClaimedElsewhere Instance = new();

    private StoreClaimedElsewhere()
    {
    }

    public override int ExitCode => 1;
}
