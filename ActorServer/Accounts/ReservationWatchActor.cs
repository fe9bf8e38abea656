using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Accounts;

/// <summary>Account events written after <paramref name="Last"/>'s predecessor read, up to the row <paramref name="Last"/>.</summary>
public sealed record AccountEventsRead(long Last, (string Name, IAccountEvent Event, long Seq)[] Events);

/// <summary>
/// Nodes sharing a data directory share its accounts, but each keeps its own list of reserved names: read at start and
/// kept current by its own account actors. This one reads what the others wrote since, every interval (an index range
/// over the accounts' rows after the last one it saw), so a name reserved or released through a sibling is kept, held
/// and refused here too within about that interval; a change that is news here is told on the event stream
/// (<see cref="ReservationChanged"/>) as a local one is, so that the history's keeper empties the name's inbox for a new
/// owner. One read at a time; a read that fails is tried again at the next tick.
/// </summary>
public sealed class ReservationWatchActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<long, Task<AccountEventsRead>> _read;
    private readonly ReservedNames _reserved;
    private readonly TimeSpan _every;
    private long _after;
    private bool _reading, _failing;

    /// <param name="after">The journal's last row when the list was read at start.</param>
    public ReservationWatchActor(Func<long, Task<AccountEventsRead>> read, long after, ReservedNames reserved, TimeSpan every)
    {
        _read = read;
        _after = after;
        _reserved = reserved;
        _every = every;
        Receive<Tick>(_ =>
        {
            if (_reading) return;
            _reading = true;
            _read(_after).PipeTo(Self, failure: e => new ReadFailed(e));
        });
        Receive<AccountEventsRead>(OnRead);
        Receive<ReadFailed>(m =>
        {
            _reading = false;
            if (!_failing)
                _log.Warning("reading other nodes' account changes failed (tried again every {0:0.#} s): {1}", _every.TotalSeconds, DataStoreErrors.OneLine(m.Cause));
            _failing = true;
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Func<long, Task<AccountEventsRead>> read, long after, ReservedNames reserved, TimeSpan every) =>
        Akka.Actor.Props.Create(() => new ReservationWatchActor(read, after, reserved, every));

    protected override void PreStart() => Timers.StartPeriodicTimer("watch", Tick.Instance, _every);

    private void OnRead(AccountEventsRead m)
    {
        _reading = false;
        // Its failure was logged once: its end is too, or the log leaves it failing.
        if (_failing) _log.Info("reading other nodes' account changes works again");
        _failing = false;
        _after = Math.Max(_after, m.Last);
        foreach (var (name, e, seq) in m.Events)
            // This node's own changes are in its list already (by their numbers): nothing is told twice, and a row read
            // before a newer change here was applied does not undo it.
            if (_reserved.Apply(name, e, seq) == true && e is NameReserved or ReservationReleased)
            {
                _log.Info("account '{0}': {1} through another node sharing this data directory", name, e is NameReserved ? "reserved" : "released");
                Context.System.EventStream.Publish(new ReservationChanged(name, Written: false));
            }
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record ReadFailed(Exception Cause);
}
