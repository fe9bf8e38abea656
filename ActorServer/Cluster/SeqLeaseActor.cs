using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The cluster-wide serverSeq counter, as the one entity of its shard type: it hands out ranges, and each node
/// numbers its replies from its range without a cross-node hop per request. The high-water mark survives the
/// entity moving (rebalance, its node downed) in DistributedData: a range is granted only once the new mark is
/// written to a majority, and a (re)started entity reads the mark from a majority before granting anything, so
/// no number is ever handed out twice while the cluster lives. A failed write may skip numbers; it never repeats one.
/// </summary>
public sealed class SeqLeaseActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private static readonly GCounterKey Key = new("switchboard-server-seq");
    private readonly IActorRef _replicator;
    private readonly Akka.Cluster.UniqueAddress _self;
    private readonly TimeSpan _timeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _mark;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public SeqLeaseActor(TimeSpan timeout)
    {
        _timeout = timeout;
        _replicator = DistributedData.Get(Context.System).Replicator;
        _self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
        Loading();
    }

    public static Props Props(TimeSpan timeout) => Akka.Actor.Props.Create(() => new SeqLeaseActor(timeout));

    protected override void PreStart() => ReadMark();

    private void ReadMark() => _replicator.Tell(new Get(Key, new ReadMajority(_timeout)));

    private void Loading()
    {
        Receive<LeaseSeq>(_ => Stash.Stash());
        Receive<GetSuccess>(m =>
        {
            _mark = (long)m.Get(Key).Value;
            Ready();
        });
        Receive<NotFound>(_ =>
        {
            _mark = 0;
            Ready();
        });
        Receive<GetFailure>(_ =>
        {
            _log.Warning("serverSeq mark not readable from a majority yet; retrying");
            Timers.StartSingleTimer("retry", RetryRead.Instance, _timeout);
        });
        Receive<RetryRead>(_ => ReadMark());
    }

    private void Ready()
    {
        Become(() =>
        {
            Receive<LeaseSeq>(OnLease);
        });
        Stash.UnstashAll();
    }

    private void OnLease(LeaseSeq m)
    {
        var size = Math.Clamp(m.Size, 1, 1_000_000);
        _replicator.Tell(new Update(Key, GCounter.Empty, new WriteMajority(_timeout),
            d => ((GCounter)d).Increment(_self, (ulong)size), m with { Size = size }));
        Become(() =>
        {
            Receive<LeaseSeq>(_ => Stash.Stash());
            Receive<UpdateSuccess>(s =>
            {
                var lease = (LeaseSeq)s.Request!;
                lease.ReplyTo.Tell(new SeqLeased(_mark + 1, lease.Size));
                _mark += lease.Size;
                Ready();
            });
            // Not confirmed by a majority (it may still land): read the mark again, then try once more.
            Receive<IUpdateFailure>(f =>
            {
                _log.Warning("serverSeq lease not confirmed by a majority; re-reading the mark");
                Self.Tell(f.Request!);
                Become(Loading);
                ReadMark();
            });
        });
    }

    private sealed record RetryRead
    {
        public static readonly RetryRead Instance = new();
    }
}
