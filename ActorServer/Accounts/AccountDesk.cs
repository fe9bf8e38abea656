using Akka.Actor;

namespace Switchboard.Server.Accounts;

/// <summary>Where a session sends its client's account command: the node's accounts, or, without them (a cluster without --db),
/// straight back to the session as 300.</summary>
public static class AccountDesk
{
    public const string NoAccounts = "this server keeps no accounts (a cluster started without --db keeps no data)";

    public static void Ask(IActorRef? accounts, string name, IActorRef client, AccountCommand command, IActorRef session)
    {
        if (accounts is null) session.Tell(new AccountAnswer(command.Id, OpOutcome.NotSupported(NoAccounts)));
        else accounts.Tell(new AccountRequest(name, client.Path.Address.Host ?? "", command), session);
    }
}
