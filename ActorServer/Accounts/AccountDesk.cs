using Akka.Actor;

namespace Switchboard.Server.Accounts;

/// <summary>Where a session sends its client's account command: the node's accounts, or, without them (a cluster without --db),
/// straight back to the session as 300.</summary>
public static class AccountDesk
{
    public const string NoAccounts = "this cluster keeps no accounts (its nodes run without --db)";

    /// <param name="host">The client's host as the server's socket saw it (<see cref="PeerAddresses.HostOf"/>), never the
    /// host its address claims: wrong passwords are charged to it.</param>
    public static void Ask(IActorRef? accounts, string name, string host, AccountCommand command, IActorRef session)
    {
        if (accounts is null) session.Tell(new AccountAnswer(command.Id, OpOutcome.NotSupported(NoAccounts)));
        else accounts.Tell(new AccountRequest(name, host, command), session);
    }
}
