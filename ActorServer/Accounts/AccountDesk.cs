using Akka.Actor;

namespace Switchboard.Server.Accounts;

/// <summary>Where a session sends its client's account command: the node's accounts, or, without them (cluster mode),
/// straight back to the session as 300.</summary>
public static class AccountDesk
{
    public const string NoAccounts = "this server keeps no accounts (cluster mode; accounts need a single-host server with its data store)";

    public static void Ask(IActorRef? accounts, string name, IActorRef client, AccountCommand command, IActorRef session)
    {
        if (accounts is null) session.Tell(new AccountAnswer(command.Id, OpOutcome.NotSupported(NoAccounts)));
        else accounts.Tell(new AccountRequest(name, client.Path.Address.Host ?? "", command), session);
    }
}
