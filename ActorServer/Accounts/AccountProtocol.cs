using Akka.Actor;

namespace Switchboard.Server.Accounts;

/// <summary>Gateway → accounts: <paramref name="Claim"/>'s name was just claimed on this node for a client; may it keep
/// it? Answered with <see cref="ClaimVerified"/> or <see cref="ClaimDenied"/>. <paramref name="Host"/> is the client's
/// host as the server's socket saw it (guessing is bounded per host too).</summary>
public sealed record VerifyClaim(NameClaimed Claim, string? Password, string Host)
{
    public override string ToString() => $"VerifyClaim {{ Name = {Claim.Name}, Host = {Host} }}";
}

/// <summary>The name is a guest's, or its password was right: the client may have it.</summary>
public sealed record ClaimVerified(NameClaimed Claim);

/// <summary>The name is reserved and the password is missing (403) or wrong (403), guessing waits (429), or the store
/// is out of reach (503): the gateway gives the claim back and tells the client.</summary>
public sealed record ClaimDenied(NameClaimed Claim, int Code, string Error);

/// <summary>Session → accounts: its client's <see cref="AccountCommand"/> for the session's own name; answered with
/// <see cref="AccountAnswer"/>.</summary>
public sealed record AccountRequest(string Name, string Host, AccountCommand Command);

/// <summary>Accounts → session: what to reply to the client's account command.</summary>
/// <param name="RetryAfter">For a 429 that waiting cures (the password checks busy for a moment): when to ask again,
/// which the client is told (a scripted client sends the command again by itself); zero otherwise.</param>
public sealed record AccountAnswer(long Id, OpOutcome Outcome, TimeSpan RetryAfter = default);

/// <summary>Gateway → accounts: the name's claim on this node ended; its account actor stops, so the next claim (here
/// or on another node sharing the store) recovers the account afresh from the journal.</summary>
public sealed record ForgetAccount(string Name);

/// <summary>Accounts → itself: whether the store may hold anything of <paramref name="Verify"/>'s name (false only when
/// it certainly holds nothing: a guest's name, verified without recovering an account).</summary>
public sealed record AccountLookedUp(VerifyClaim Verify, bool MayHold, IActorRef ReplyTo);

/// <summary>The operator's change of a name's account (<c>ActorServer accounts</c>, on a data directory no server holds):
/// a new password (<see cref="AccountAction.ChangePassword"/>) or a release, without the old password. Answered with
/// <see cref="OperatorChangeDone"/>. Sent only by that command's own actor system: peers reach the gateway alone.</summary>
public sealed record OperatorChange(string Name, AccountAction Action, string? NewPassword = null)
{
    public override string ToString() => $"OperatorChange {{ Name = {Name}, Action = {Action} }}";
}

/// <summary>Accounts → the operator's command: how its <see cref="OperatorChange"/> ended (the account actor's code and words).</summary>
public sealed record OperatorChangeDone(int Code, string Text);

/// <summary>Accounts → one account actor: check a password (<paramref name="Action"/> null: a registration) or carry out
/// an account command. Answered to the parent with <see cref="AccountJobDone"/>. <paramref name="ByOperator"/>: the
/// operator's <see cref="OperatorChange"/>, which asks for no old password.</summary>
public sealed record AccountJob(long Ticket, AccountAction? Action, string? Password, string? NewPassword = null, bool ByOperator = false,
    string? Host = null)
{
    public override string ToString() => $"AccountJob {{ Ticket = {Ticket}, Action = {Action?.ToString() ?? "check"} }}";
}

/// <summary>One account actor → accounts: how <see cref="AccountJob"/> <paramref name="Ticket"/> ended;
/// <paramref name="WrongPassword"/> when a password was evaluated and was not the name's (a guess, counted);
/// <paramref name="RightPassword"/> when it was the name's (or became it: reserved).</summary>
public sealed record AccountJobDone(long Ticket, int Code, string Text, bool WrongPassword = false, bool RightPassword = false);

/// <summary>Accounts → itself: what the store said, under the reserve's hold, of a case variant of its name reserved
/// there (<paramref name="Found"/>, or null); <paramref name="Failure"/> says why when it could not be read.</summary>
public sealed record LookAlikeRead(long Ticket, string? Found, string? Failure);

/// <summary>One account actor → accounts, once recovered: the hosts its owner logged in from, as its journal holds them
/// (<see cref="LoginHostSeen"/>).</summary>
public sealed record AccountHosts(string Name, string[] Hosts);
