using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Switchboard.Server.Accounts;

/// <summary>
/// One name's account, event-sourced (persistence id <c>account-NAME</c>): reserved or not, and the salted hash of its
/// password. Lives under <see cref="AccountsActor"/> only while this node holds the name's claim, so the node holding
/// the claim is the account's one writer (see <see cref="AccountsActor"/>). Hashing takes ~0.3 s on purpose, so it runs
/// on the thread pool, not on the actor's dispatcher thread; jobs arriving meanwhile wait in the stash, one at a time.
/// </summary>
public sealed class AccountActor : ReceivePersistentActor
{
    private readonly string _name;
    private readonly AccountSettings _settings;
    private readonly SwitchboardMetrics? _metrics;
    private readonly ReservedNames? _reserved;
    private long _since;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private StoredPassword? _password;
    private long _current = -1;
    // The hosts the owner gave the right password from, as the journal holds them (this reservation's).
    private readonly List<string> _hosts = [];

    /// <summary>Login hosts written to the journal a reservation at most (more are remembered only while the node runs):
    /// a roaming owner's journal does not grow without bound.</summary>
    public const int MaxHosts = 16;

    public AccountActor(string name, AccountSettings settings, ReservedNames? reserved = null, TimeProvider? clock = null, SwitchboardMetrics? metrics = null)
    {
        _name = name;
        _settings = settings;
        _reserved = reserved;
        _clock = clock ?? TimeProvider.System;
        _metrics = metrics;
        PersistenceId = PersistenceIdOf(name);
        Recover<NameReserved>(e =>
        {
            (_password, _since) = (e.Password, e.SinceMs);
            _hosts.Clear(); // a new owner
        });
        Recover<PasswordChanged>(e => _password = e.Password);
        Recover<ReservationReleased>(_ =>
        {
            _password = null;
            _hosts.Clear();
        });
        Recover<LoginHostSeen>(e =>
        {
            if (!_hosts.Contains(e.Host)) _hosts.Add(e.Host);
        });
        // What the journal says now is what this node believes: another node sharing the store may have reserved or
        // released the name since this node read its list at start.
        Recover<RecoveryCompleted>(_ =>
        {
            _metrics?.DataStoreRead();
            // The owner's hosts are known again after a restart (they are not held to the name's budget for strangers).
            if (_password is not null && _hosts.Count > 0) Context.Parent.Tell(new AccountHosts(_name, [.. _hosts]));
            var changed = LastSequenceNr == 0
                ? _reserved?.Released(_name) == true
                // By number: the watch may have applied a newer row of another node already.
                : _reserved?.Apply(_name, _password is null ? ReservationReleased.Instance : new NameReserved(_password, _since), LastSequenceNr) == true;
            // Read here first, the change is this node's news to tell (the watch, reading the same rows later, finds
            // nothing new): a new owner, or none, must not find the earlier owner's read markers in the name's inbox.
            if (!changed) return;
            _log.Info("account '{0}': {1} through another node sharing this data directory", _name, _password is null ? "released" : "reserved");
            Context.System.EventStream.Publish(new ReservationChanged(_name, Written: false));
        });
        Command<AccountJob>(Start);
        DeletionAnswers();
    }

    public override string PersistenceId { get; }

    public const string PersistenceIdPrefix = "account-";

    public static string PersistenceIdOf(string name) => PersistenceIdPrefix + name;

    public static Props Props(string name, AccountSettings settings, ReservedNames? reserved = null, TimeProvider? clock = null, SwitchboardMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new AccountActor(name, settings, reserved, clock, metrics));

    private long ReservationStart(long nowMs) => _reserved?.Times.Reserve(nowMs) ?? nowMs;

    private void Start(AccountJob job)
    {
        _current = job.Ticket;
        var reserved = _password is not null;
        switch (job.Action)
        {
            case null when !reserved: Done(Codes.Ok, "guest"); return;
            case null when job.Password is null:
                Done(Codes.Forbidden, $"name '{_name}' is reserved: give its password (--password-file F, or --password on a terminal)");
                return;
            case AccountAction.Reserve when reserved:
                Done(Codes.NameTaken, $"'{_name}' is already reserved; passwd FILE changes its password");
                return;
            case AccountAction.ChangePassword or AccountAction.Release when !reserved:
                Done(Codes.Invalid, $"'{_name}' is not reserved (reserve it first)");
                return;
        }
        var stored = _password;
        var settings = _settings;
        Task.Run(() => Work(job, stored, settings)).PipeTo(Self);
        BecomeStacked(Busy);
    }

    // Off the actor's thread: verify the old password, hash the new one. Nothing here touches the actor's state.
    private static Computed Work(AccountJob job, StoredPassword? stored, AccountSettings settings)
    {
        // The operator stands in for an owner who forgot the password: there is none to check.
        if (stored is not null && !job.ByOperator && !stored.Matches(job.Password ?? "")) return new Computed(job, false, null);
        var fresh = job.Action switch
        {
            AccountAction.Reserve => StoredPassword.Create(job.Password!, settings),
            AccountAction.ChangePassword => StoredPassword.Create(job.NewPassword!, settings),
            // A right password under a work factor hocon has since raised: hashed again at today's.
            null when stored is not null && stored.Iterations < settings.Iterations => StoredPassword.Create(job.Password!, settings),
            _ => null,
        };
        return new Computed(job, true, fresh);
    }

    private void Busy()
    {
        Command<Computed>(OnComputed);
        Command<Status.Failure>(f =>
        {
            _log.Error(f.Cause, "account '{0}': hashing failed", _name);
            Finish(Codes.Unavailable, "the account could not be checked; try again");
        });
        Command<AccountJob>(_ => Stash.Stash());
        DeletionAnswers();
    }

    private void OnComputed(Computed c)
    {
        if (!c.Matches)
        {
            Finish(Codes.Forbidden, $"wrong password for '{_name}'", wrongPassword: true);
            return;
        }
        IAccountEvent? change = c.Job.Action switch
        {
            // After every message this node stamped, though the clock stepped back: none of them is the new owner's.
            AccountAction.Reserve => new NameReserved(c.Fresh!, ReservationStart(_clock.GetUtcNow().ToUnixTimeMilliseconds())),
            AccountAction.ChangePassword => new PasswordChanged(c.Fresh!),
            AccountAction.Release => ReservationReleased.Instance,
            _ when c.Fresh is not null => new PasswordChanged(c.Fresh),
            _ => null,
        };
        var host = NewHost(c.Job, change);
        if (change is null)
        {
            // A login writes nothing before its answer: one whose host cannot be written (the store full) still gets in,
            // and the failure stops this actor (Akka's rule) with the job answered already; the next job reads it afresh.
            Finish(Codes.Ok, "welcome back", rightPassword: true);
            if (host is not null) Persist(new LoginHostSeen(host), e => _hosts.Add(e.Host));
            return;
        }
        // Answered only once the journal has it: "reserved" means it survives a restart. The host it came from, with it.
        var asked = System.Diagnostics.Stopwatch.GetTimestamp();
        if (change is PasswordChanged changed)
        {
            Restate(changed.Password, host, c.Job.Action, asked);
            return;
        }
        IAccountEvent[] events = host is null ? [change] : [change, new LoginHostSeen(host)];
        PersistAll(events, e =>
        {
            if (e is LoginHostSeen seen)
            {
                _hosts.Add(seen.Host);
                Finish(Codes.Ok, Said(c.Job.Action), rightPassword: true);
                return;
            }
            _metrics?.DataStoreWritten(asked);
            _password = e switch { NameReserved r => r.Password, PasswordChanged p => p.Password, _ => null };
            if (e is NameReserved reserved) _since = reserved.SinceMs; // what a later change writes again
            // Before the client hears it: a DM sent right after "reserved" is kept for the name. By its number: the watch
            // of a shared file may have read this row back and applied it (and told it) first.
            var news = _reserved is null || _reserved.Apply(_name, e, LastSequenceNr) is not null;
            // A new owner (or none) of the name: what waited for the name and its read markers are not theirs.
            if (news && e is NameReserved or ReservationReleased) Context.System.EventStream.Publish(new ReservationChanged(_name));
            _log.Info("account '{0}': {1}", _name, Said(c.Job.Action));
            // A released name's earlier events hold its password hashes, which nobody needs any more and an attacker
            // with the file could try offline: they go. The release itself stays, flagged, as the journal's record of
            // the highest number and as what other nodes sharing the file read (DataStore reads flagged account rows).
            if (e is ReservationReleased) DeleteMessages(LastSequenceNr);
            else if (e is NameReserved) _hosts.Clear(); // a new owner: the host it reserved from follows
            if (host is null) Finish(Codes.Ok, Said(c.Job.Action), rightPassword: e is not ReservationReleased);
        });
    }

    // A new password (the owner's, the operator's, or a rehash at today's iterations) writes the account anew: its
    // reservation with the new hash and the same start (not news: nobody reads it as a new owner, and what the name's
    // inbox holds stays), then its login hosts; every row before them goes, as at a release. Writing a PasswordChanged
    // instead added a row per change for good, and kept every earlier hash in the file: a peer owning a name grew the
    // file by changing its password in a loop, and an owner who replaced a weak password left the weak one's hash for
    // anyone who copies the file to try offline. Answered once the delete is done, so "password changed" means the old
    // hash is gone (but for the one row before these, kept flagged as the journal's record of the numbers: a login
    // host's, or a hash only for an account without any).
    private void Restate(StoredPassword fresh, string? host, AccountAction? action, long asked)
    {
        List<string> hosts = host is null ? [.. _hosts] : [.. _hosts, host];
        IAccountEvent[] events = [new NameReserved(fresh, _since), .. hosts.Select(h => new LoginHostSeen(h))];
        long before = 0;
        var left = events.Length;
        PersistAll(events, e =>
        {
            if (e is NameReserved r)
            {
                _metrics?.DataStoreWritten(asked);
                before = LastSequenceNr - 1;
                _password = r.Password;
                _hosts.Clear();
                _reserved?.Apply(_name, r, LastSequenceNr);
                _log.Info("account '{0}': {1}", _name, Said(action));
            }
            else if (e is LoginHostSeen seen) _hosts.Add(seen.Host);
            if (--left > 0) return;
            DeleteMessages(before);
            Become(() =>
            {
                Command<DeleteMessagesSuccess>(m => m.ToSequenceNr == before, _ => Finish(Codes.Ok, Said(action), rightPassword: true));
                Command<DeleteMessagesFailure>(m => m.ToSequenceNr == before, m =>
                {
                    // The change is written: the earlier rows stay until the next change deletes them.
                    _log.Warning("account '{0}': deleting its events before the new password failed: {1}", _name, m.Cause.Message);
                    Finish(Codes.Ok, Said(action), rightPassword: true);
                });
                Command<AccountJob>(_ => Stash.Stash());
                DeletionAnswers();
            });
        });
    }

    // The host the owner gave the right password from, to be written (LoginHostSeen): not yet among this reservation's,
    // which hold MaxHosts at most; none for a release or an operator's change (no host).
    private string? NewHost(AccountJob job, IAccountEvent? change)
    {
        if (job.Host is not { } host || job.ByOperator || change is ReservationReleased) return null;
        if (change is NameReserved) return host; // the earlier owner's go
        return _hosts.Contains(host) || _hosts.Count >= MaxHosts ? null : host;
    }

    private void DeletionAnswers()
    {
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(m => _log.Warning("account '{0}': deleting its earlier events failed: {1}", _name, m.Cause.Message));
    }

    private static string Said(AccountAction? action) => action switch
    {
        AccountAction.Reserve => "reserved",
        AccountAction.ChangePassword => "password changed",
        AccountAction.Release => "released",
        _ => "password hashed again at the configured iterations",
    };

    private void Finish(int code, string text, bool wrongPassword = false, bool rightPassword = false)
    {
        Done(code, text, wrongPassword, rightPassword);
        UnbecomeStacked();
        Stash.UnstashAll();
    }

    private void Done(int code, string text, bool wrongPassword = false, bool rightPassword = false) =>
        Context.Parent.Tell(new AccountJobDone(_current, code, text, wrongPassword, rightPassword));

    // A rejected event (e.g. it could not be serialized) leaves the actor running: the job hears 503.
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _metrics?.DataStoreWriteFailed(DataStoreErrors.OneLine(cause));
        _log.Error(cause, "account '{0}': the journal rejected event {1}", _name, sequenceNr);
        Finish(Codes.Unavailable, "the account store refused the change; try again");
    }

    // A failed write (disk full, I/O) stops the actor once this returns (Akka's rule: its state may no longer match the
    // journal), so its job is answered here, saying why; the next job recovers a fresh actor from the journal. SQLite's
    // errors are one log line without the stack: the cause is the disk or the file, not this code.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _metrics?.DataStoreWriteFailed(DataStoreErrors.OneLine(cause));
        DataStoreErrors.Log(_log, cause, $"account '{_name}': the journal could not write event {sequenceNr}", Context.System);
        Done(Codes.Unavailable, DataStoreErrors.ForClient(cause));
    }

    // The account could not be read (the file gone, unreadable): the actor stops and its parent answers the job 503.
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        DataStoreErrors.Log(_log, reason, $"account '{_name}': could not be read from the journal", Context.System);
        _metrics?.DataStoreReadFailed(DataStoreErrors.OneLine(reason));
    }

    private sealed record Computed(AccountJob Job, bool Matches, StoredPassword? Fresh)
    {
        public override string ToString() => $"Computed {{ Ticket = {Job.Ticket}, Matches = {Matches} }}";
    }
}
