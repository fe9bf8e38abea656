using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Accounts;

/// <summary>
/// The node's accounts (<c>/user/accounts</c>): one <see cref="AccountActor"/> per name, started when the gateway asks
/// whether a just-claimed name may be kept and stopped when the name's claim here ends (<see cref="ForgetAccount"/>).
/// <para><b>One writer.</b> Nodes sharing a segment share one store, and Akka.Persistence needs one writer per
/// persistence id. An account is written only by commands of the session holding its name, and a name is held by one
/// session in the whole segment (the segment's atomic claim), so the node holding the claim is the writer; the account
/// actor lives only as long as that claim, and a new claim recovers it afresh from the journal. The journal's key
/// (persistence id, sequence number) backs this up: a stale writer's event collides with the new writer's and is
/// refused, never interleaved (<c>AccountStoreSpecs</c>).</para>
/// <para><b>Look-alikes on every node.</b> A reserve first holds its name's case-folded form in the registry, where every
/// node of the segment or cluster sees it (<see cref="HoldFold"/>), and reads the store under that hold for a case variant
/// reserved through another node (which this node may not have heard of yet); only then is the password hashed and the
/// reservation written, and the hold is let go once it is. So of two reserves of case variants on two nodes, the second
/// is refused 409 as on one node, however close together they come.</para>
/// <para><b>Guessing.</b> Every password the node evaluates passes here. Only what a guesser cannot choose keys a penalty:
/// the host its socket came from. A host with too many wrong passwords for a name, or for names at all, waits (429,
/// unevaluated) for a penalty that doubles with each more (<see cref="Penalties"/>, as the token's); its owner elsewhere
/// does not. Hosts cost a guesser little (a local peer has all of 127.0.0.0/8), so a name also takes only so many wrong
/// passwords from the hosts it never logged in from, all together (<see cref="AccountSettings.WrongPerNamePerHour"/>);
/// past that, their attempts at it wait, while the hosts it logged in from (<see cref="KnownLogins"/>) keep their own
/// counts. A name was once penalised for every host, the right password too: one peer's wrong password every 5 minutes
/// kept its owner out for good.</para>
/// </summary>
public sealed class AccountsActor : ReceiveActor
{
    private readonly AccountSettings _settings;
    private readonly ReservedNames? _reserved;
    private readonly TimeProvider _clock;
    private readonly IWriteGuard? _file;
    private readonly SwitchboardMetrics? _metrics;
    private readonly Func<string, Task<bool>>? _mayHold;
    private readonly IActorRef? _registry;
    private readonly Func<string, Task<string?>>? _lookAlike;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Job> _jobs = [];
    // Per (host, name) and per host; the pair's key is Pair(host, name).
    private readonly Penalties _byPair, _byHost;
    private readonly KnownLogins _known = new();
    // Wrong passwords per name from the hosts it never logged in from: a budget keyed by the name.
    private readonly HostBudget _wrongByName;
    private readonly HostBudget _reserves;
    // Logins with the right password, per name: a budget keyed by the name.
    private readonly HostBudget _logins;
    private long _tickets, _incarnations;
    private DataFileProblem? _fileProblem;

    /// <param name="file">The data file's guard: changes are refused (503) while it is gone or replaced; null without one
    /// (a journal that is not a file).</param>
    /// <param name="mayHold">Whether the store may hold anything of a name's account (false only when it certainly holds
    /// nothing); null: every claim recovers its account.</param>
    /// <param name="registry">Where a reserve holds its folded name (<see cref="HoldFold"/>); null: a node that shares its
    /// store with no other.</param>
    /// <param name="lookAlike">The store's own answer, read under that hold: a name reserved there now that differs from
    /// the given one only in case, or null.</param>
    public AccountsActor(AccountSettings settings, TimeProvider clock, ReservedNames? reserved = null, IWriteGuard? file = null, SwitchboardMetrics? metrics = null,
        Func<string, Task<bool>>? mayHold = null, IActorRef? registry = null, Func<string, Task<string?>>? lookAlike = null)
    {
        _registry = registry;
        _lookAlike = lookAlike;
        _settings = settings;
        _reserved = reserved;
        _clock = clock;
        _file = file;
        _metrics = metrics;
        _mayHold = mayHold;
        _byPair = new Penalties(settings.FailuresBeforePenalty, settings.FirstPenalty, settings.MaxPenalty, clock, KnownLogins.MaxTracked);
        _byHost = new Penalties(settings.FailuresBeforePenalty, settings.FirstPenalty, settings.MaxPenalty, clock);
        _wrongByName = new HostBudget(settings.WrongPerNamePerHour, settings.WrongPerNameBurst, clock);
        _reserves = new HostBudget(settings.ReservesPerHostPerHour, settings.ReservesPerHostBurst, clock);
        _logins = new HostBudget(settings.LoginsPerNamePerMinute * 60, settings.LoginsPerNameBurst, clock);
        // A name that reads as someone's reserved one is nobody's: refused before any look-up or password.
        Receive<VerifyClaim>(m => _reserved?.LookAlike(m.Claim.Name) is not null,
            m => Sender.Tell(new ClaimDenied(m.Claim, Codes.Forbidden, LookAlikeText(m.Claim.Name, _reserved!.LookAlike(m.Claim.Name)!))));
        // Most names are guests' and have no account: one indexed look-up instead of an account actor's recovery (which
        // cost a node's first registration about a second of CPU, and each later one a recovery). A name this node knows
        // reserved, or whose account actor is live, goes to the actor at once.
        Receive<VerifyClaim>(m => _mayHold is not null && !_accounts.ContainsKey(m.Claim.Name) && _reserved?.IsReserved(m.Claim.Name) != true, m =>
        {
            var replyTo = Sender;
            _mayHold!(m.Claim.Name).PipeTo(Self, success: may => new AccountLookedUp(m, may, replyTo), failure: _ => new AccountLookedUp(m, true, replyTo));
        });
        Receive<VerifyClaim>(m => Verify(m, Sender, recover: true));
        Receive<AccountLookedUp>(m => Verify(m.Verify, m.ReplyTo, recover: m.MayHold));
        Receive<AccountRequest>(OnRequest);
        Receive<OperatorChange>(OnOperatorChange);
        Receive<AccountJobDone>(OnDone);
        Receive<FoldHeld>(OnFoldHeld);
        Receive<FoldRefused>(OnFoldRefused);
        Receive<LookAlikeRead>(OnLookAlikeRead);
        Receive<ForgetAccount>(m =>
        {
            if (_accounts.Remove(m.Name, out var account)) Context.Stop(account);
        });
        Receive<Terminated>(t => OnStopped(t.ActorRef));
        // A new owner, or none (here, through another node sharing the data directory, or read at a login): the name's
        // earlier logins from a host stand for nothing any more.
        Receive<ReservationChanged>(m => _known.Forget(m.Name));
        // What an account read back of its owner's hosts (its journal keeps them across restarts); from that name's
        // account actor only.
        Receive<AccountHosts>(m => _accounts.TryGetValue(m.Name, out var account) && account.Equals(Sender), m =>
        {
            foreach (var host in m.Hosts)
                if (!_known.Contains(host, m.Name)) _known.LoggedIn(host, m.Name);
        });
        // The same, told by another cluster node: its reservation reaches this node's ReservedNames only by its notice,
        // so the account's recovery here finds nothing new to publish.
        Receive<ReservationHeard>(m => _known.Forget(m.Name));
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe<ReservationChanged>(Self);
        Context.System.EventStream.Subscribe<ReservationHeard>(Self);
    }

    public static Props Props(AccountSettings settings, TimeProvider clock, ReservedNames? reserved = null, IWriteGuard? file = null, SwitchboardMetrics? metrics = null,
        Func<string, Task<bool>>? mayHold = null, IActorRef? registry = null, Func<string, Task<string?>>? lookAlike = null) =>
        Akka.Actor.Props.Create(() => new AccountsActor(settings, clock, reserved, file, metrics, mayHold, registry, lookAlike));

    // An account actor that fails is stopped (its job hears 503) and recovered afresh by the next job.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void OnRequest(AccountRequest m)
    {
        var c = m.Command;
        var problem = c.Action is AccountAction.None or > AccountAction.Release ? "not an account command"
            : Limits.PasswordError(c.Password) ?? (c.Action == AccountAction.ChangePassword ? Limits.PasswordError(c.NewPassword) : null);
        if (problem is not null)
        {
            Sender.Tell(new AccountAnswer(c.Id, OpOutcome.Invalid(problem)));
            return;
        }
        // A case variant reserved already, or being reserved right now (the list learns of it only once it is written).
        if (c.Action == AccountAction.Reserve && (_reserved?.LookAlike(m.Name) ?? Reserving(m.Name)) is { } reserved)
        {
            Sender.Tell(new AccountAnswer(c.Id, new OpOutcome(Codes.NameTaken, OpValue.None, LookAlikeText(m.Name, reserved))));
            return;
        }
        // Its reserves still being hashed count too: two at once must not both pass when one is left.
        if (c.Action == AccountAction.Reserve
            && !_reserves.CanTake(m.Host, 1 + _jobs.Values.Count(j => j.Work.Action == AccountAction.Reserve && j.Host == m.Host)))
        {
            _log.Info("reservation of '{0}' from {1} refused: the host's budget of new reservations is spent", m.Name, m.Host);
            Sender.Tell(new AccountAnswer(c.Id, new OpOutcome(Codes.RateLimited, OpValue.None,
                "too many new reservations from this host; try again later")));
            return;
        }
        if (FileLost())
        {
            _metrics?.DataStoreWriteFailed(_fileProblem?.Text ?? "the data file is out of reach");
            Sender.Tell(new AccountAnswer(c.Id, new OpOutcome(Codes.Unavailable, OpValue.None,
                "the change was not saved: the server's data store is out of reach (its operator is told); try again later")));
            return;
        }
        Submit(m.Name, m.Host, new AccountJob(0, c.Action, c.Password, c.NewPassword),
            (code, text) => new AccountAnswer(c.Id, code == Codes.Ok ? OpOutcome.Ok(OpValue.Of(text)) : new OpOutcome(code, OpValue.None, text)), Sender);
    }

    // The same account actor and journal as a client's command, less what bounds clients: the operator's command runs
    // alone on the store (DataDirectoryClaim.TakeAlone) and is answered once the change is written.
    private void OnOperatorChange(OperatorChange m)
    {
        var problem = m.Action switch
        {
            AccountAction.ChangePassword => Limits.PasswordError(m.NewPassword),
            AccountAction.Release => null,
            _ => "not an operator's change",
        };
        if (problem is not null)
        {
            Sender.Tell(new OperatorChangeDone(Codes.Invalid, problem));
            return;
        }
        if (FileLost())
        {
            Sender.Tell(new OperatorChangeDone(Codes.Unavailable, "the change was not saved: the data store is out of reach"));
            return;
        }
        Submit(m.Name, OperatorHost, new AccountJob(0, m.Action, null, m.NewPassword, ByOperator: true), (code, text) => new OperatorChangeDone(code, text), Sender);
    }

    /// <summary>The "host" an operator's change is booked under (it carries no password, so nothing is charged to it).</summary>
    private const string OperatorHost = "operator";

    /// <summary>What a look-alike of a reserved name is told (a registration, a reserve, its session ended).</summary>
    public static string LookAlikeText(string name, string reserved) =>
        $"'{name}' differs only in case from the reserved name '{reserved}'; choose another name";

    // A cluster's name entity does not say whose reserve holds the fold.
    private static string LookAlikeText(string name) =>
        $"'{name}' differs only in case from a name being reserved right now; choose another name";

    // Asked before every change (the guard checks again only what changed). Reads go on (the node's open connections
    // still see the accounts as they were); a change would be lost at the next start.
    // Logged when it starts and when it ends, not per refusal.
    private bool FileLost()
    {
        var problem = _file?.Problem();
        if (problem != _fileProblem)
        {
            if (problem?.Fix is { } fix)
                _log.Error("{0}: account changes are answered 503: {1}", problem.Text, fix);
            else if (problem is not null)
                _log.Error("{0}: account changes are answered 503 until it is back: put the same file back (no restart needed), or restore a backup with the server stopped (docs/operating.md#backup-and-restore)", problem.Text);
            else _log.Info("{0}: account changes are accepted again", _file!.Back);
            _fileProblem = problem;
        }
        return problem is not null;
    }

    // A name whose account cannot exist is a guest's, as its account actor would say, after the same guessing check.
    private void Verify(VerifyClaim m, IActorRef replyTo, bool recover)
    {
        Func<int, string, object> answer = (code, text) => code == Codes.Ok ? new ClaimVerified(m.Claim) : new ClaimDenied(m.Claim, code, text);
        if (recover) Submit(m.Claim.Name, m.Host, new AccountJob(0, null, m.Password), answer, replyTo);
        else if (m.Password is null || !Penalized(m.Claim.Name, m.Host, answer, replyTo)) replyTo.Tell(answer(Codes.Ok, "guest"));
    }

    // Only what carries a password waits out a penalty: that is all a guess is. Everyone behind one address (a NAT,
    // or every client of a single host on 127.0.0.1) would otherwise be kept out as guests by one peer's guessing.
    private void Submit(string name, string host, AccountJob job, Func<int, string, object> answer, IActorRef replyTo)
    {
        if (job.Password is not null && Penalized(name, host, answer, replyTo)) return;
        if (job.Password is not null && _jobs.Values.Count(j => j.Hashes) >= _settings.MaxConcurrentChecks)
        {
            replyTo.Tell(Busy(answer(Codes.RateLimited, "too many password checks right now; try again shortly")));
            return;
        }
        // One host leaves at least one check to the others, and one name logs in at its pace: a few owned names logging
        // in and out in a loop kept every check busy for everyone else.
        if (job.Password is not null && _settings.MaxConcurrentChecks > 1 && _jobs.Values.Count(j => j.Hashes && j.Host == host) >= _settings.MaxConcurrentChecks - 1)
        {
            replyTo.Tell(Busy(answer(Codes.RateLimited, "too many password checks from this host right now; try again shortly")));
            return;
        }
        if (job is { Password: not null, Action: null }
            && !_logins.CanTake(name, 1 + _jobs.Values.Count(j => j.Hashes && j.Work.Action is null && j.Name == name)))
        {
            replyTo.Tell(answer(Codes.RateLimited, $"too many logins as '{name}' in a short time; try again in a few seconds"));
            return;
        }
        // Account commands (reserve, passwd, release) take at most half the checks: many clients changing their
        // accounts at once must not keep every login waiting.
        if (job.Action is not null && _jobs.Values.Count(j => j.Hashes && j.Work.Action is not null) >= CommandChecks)
        {
            replyTo.Tell(Busy(answer(Codes.RateLimited, "too many account changes right now; try again shortly")));
            return;
        }
        var work = job with { Ticket = ++_tickets, Host = host };
        var account = AccountFor(name);
        // A reserve waits for its folded name's hold and the store's answer (OnFoldHeld) before its account hears of it.
        var gated = work.Action == AccountAction.Reserve && _registry is not null;
        _jobs[work.Ticket] = new Job(account, name, host, replyTo, answer, work, Sent: !gated);
        if (gated) _registry!.Tell(new HoldFold(work.Ticket, name));
        else account.Tell(work);
    }

    private void OnFoldHeld(FoldHeld m)
    {
        if (!_jobs.TryGetValue(m.Ticket, out var job))
        {
            _registry!.Tell(new ReleaseFold(m.Hold, "")); // its job ended meanwhile
            return;
        }
        _jobs[m.Ticket] = job with { Hold = m.Hold };
        // What another node wrote before it let go of the hold is in the store now, whether or not this node heard of it.
        if (_lookAlike is null) Self.Tell(new LookAlikeRead(m.Ticket, null, null));
        else _lookAlike(job.Name).PipeTo(Self, success: found => new LookAlikeRead(m.Ticket, found, null),
            failure: e => new LookAlikeRead(m.Ticket, null, e.GetBaseException().Message));
    }

    private void OnFoldRefused(FoldRefused m)
    {
        if (!_jobs.Remove(m.Ticket, out var job)) return;
        job.ReplyTo.Tell(job.Answer(m.Code, m.Code != Codes.NameTaken ? Unavailable
            : m.Holder is { } holder ? LookAlikeText(job.Name, holder) : LookAlikeText(job.Name)));
    }

    private void OnLookAlikeRead(LookAlikeRead m)
    {
        if (!_jobs.TryGetValue(m.Ticket, out var job)) return;
        if (m.Failure is not null) _log.Warning("reserve of '{0}': the store could not be read for its case variants: {1}", job.Name, m.Failure);
        if (m.Failure is not null || m.Found is not null)
        {
            End(m.Ticket);
            job.ReplyTo.Tell(job.Answer(m.Found is null ? Codes.Unavailable : Codes.NameTaken, m.Found is null ? Unavailable : LookAlikeText(job.Name, m.Found)));
            return;
        }
        _jobs[m.Ticket] = job with { Sent = true };
        job.Account.Tell(job.Work);
    }

    // A job leaves: its folded name's hold, if it had one, goes with it.
    private Job? End(long ticket)
    {
        if (!_jobs.Remove(ticket, out var job)) return null;
        if (job.Hold is { } hold) _registry!.Tell(new ReleaseFold(hold, job.Name));
        return job;
    }

    private const string Unavailable = "the account store is unavailable; try again";

    private string? Reserving(string name) =>
        _jobs.Values.FirstOrDefault(j => j.Work.Action == AccountAction.Reserve && j.Name != name && string.Equals(j.Name, name, StringComparison.OrdinalIgnoreCase))?.Name;

    private bool Penalized(string name, string host, Func<int, string, object> answer, IActorRef replyTo)
    {
        // A name that logged in from this host is held to its own count here, neither to the host's (KnownLogins says
        // why) nor to the name's budget for strangers: its owner's host has a budget of its own.
        var known = _known.Contains(host, name);
        var (forPair, forHost) = (_byPair.Remaining(Pair(host, name)), known ? TimeSpan.Zero : _byHost.Remaining(host));
        var wait = forPair > forHost ? forPair : forHost;
        var whose = forPair > forHost ? $"for '{name}' from this host" : "from this host";
        // The checks still running count too: guesses from many hosts at once must not all pass when one is left.
        if (wait == TimeSpan.Zero && !known
            && _wrongByName.Until(name, 1 + _jobs.Values.Count(j => j.Hashes && j.Name == name && !_known.Contains(j.Host, name))) is var spent
            && spent > TimeSpan.Zero)
            (wait, whose) = (spent, $"for '{name}' from hosts it never logged in from");
        if (wait == TimeSpan.Zero) return false;
        replyTo.Tell(answer(Codes.RateLimited, $"too many wrong passwords {whose}; {Penalties.TryAgainIn(wait)}"));
        return true;
    }

    private static string Pair(string host, string name) => $"{host} {name}";

    private IActorRef AccountFor(string name)
    {
        if (_accounts.TryGetValue(name, out var account)) return account;
        account = Context.ActorOf(AccountActor.Props(name, _settings, _reserved, _clock, _metrics), $"{Uri.EscapeDataString(name)}-{++_incarnations}");
        Context.Watch(account);
        return _accounts[name] = account;
    }

    private void OnDone(AccountJobDone d)
    {
        if (End(d.Ticket) is not { } job) return;
        if (d.WrongPassword)
        {
            _log.Info("wrong password for '{0}' from {1}", job.Name, job.Host);
            _byPair.Failed(Pair(job.Host, job.Name));
            // Neither against the host nor the name's budget for strangers for a name that logged in from it: its owner
            // gains nothing by guessing at it, and counting it let a peer drive its host's penalty up with wrong
            // passwords for its own names. Its own count holds it there.
            if (!_known.Contains(job.Host, job.Name))
            {
                _byHost.Failed(job.Host);
                _wrongByName.Take(job.Name);
            }
        }
        // A right password clears its host's count for the name, not the host's own: logging into one's own account
        // between guesses at others must not reset the host's penalty. Nor the name's budget: the owner logging in says
        // nothing of whoever else guesses.
        else if (d.Code == Codes.Ok) _byPair.Succeeded(Pair(job.Host, job.Name));
        if (d.RightPassword)
        {
            _known.LoggedIn(job.Host, job.Name);
            if (job.Work.Action is null) _logins.Take(job.Name);
        }
        if (d.Code == Codes.Ok && job.Work.Action == AccountAction.Reserve) _reserves.Take(job.Host);
        job.ReplyTo.Tell(job.Answer(d.Code, d.Text));
    }

    private void OnStopped(IActorRef account)
    {
        foreach (var (name, a) in _accounts.Where(kv => kv.Value.Equals(account)).ToList()) _accounts.Remove(name);
        foreach (var (ticket, job) in _jobs.Where(j => j.Value.Account.Equals(account)).ToList())
        {
            // Not yet handed to its account (a reserve waiting for its hold): it goes to the fresh one when it may.
            if (!job.Sent)
            {
                _jobs[ticket] = job with { Account = AccountFor(job.Name) };
                continue;
            }
            // A job still queued when its account stopped (an earlier job's write failed) never ran: it gets one more
            // try on a fresh account, recovered from the journal; one that fails there too, or a recovery that fails
            // again, is answered 503.
            if (!job.Retried)
            {
                var fresh = AccountFor(job.Name);
                _jobs[ticket] = job with { Account = fresh, Retried = true };
                fresh.Tell(job.Work);
                continue;
            }
            End(ticket);
            job.ReplyTo.Tell(job.Answer(Codes.Unavailable, Unavailable));
        }
    }

    /// <summary>When a command refused because the password checks are busy is worth sending again: about one check at
    /// the default work factor.</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(1);

    // A command's answer names BusyRetry (a login's has no such field: the client's registration is not retried).
    private static object Busy(object answer) => answer is AccountAnswer a ? a with { RetryAfter = BusyRetry } : answer;

    private int CommandChecks => Math.Max(1, _settings.MaxConcurrentChecks / 2);

    /// <param name="Work">What the account was asked (again on a fresh account if this one stopped before answering).</param>
    /// <param name="Sent">Handed to its account; a reserve is not until its hold is taken and the store is read.</param>
    /// <param name="Hold">The reserve's hold of its folded name, let go when the job ends.</param>
    private sealed record Job(IActorRef Account, string Name, string Host, IActorRef ReplyTo, Func<int, string, object> Answer,
        AccountJob Work, bool Retried = false, bool Sent = true, ClaimHandle? Hold = null)
    {
        /// <summary>It carries a password: it may keep a core busy hashing (bounded by max-concurrent-checks).</summary>
        public bool Hashes => Work.Password is not null;
    }
}
