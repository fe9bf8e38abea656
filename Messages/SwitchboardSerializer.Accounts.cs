using Switchboard.Messages.Wire;

namespace Switchboard.Messages;

// The messages that carry a secret (a token, a password, a session's capability): written and read here, apart from the rest.
public sealed partial class SwitchboardSerializer
{
    private static RegisterMsg ToRegister(Register r) => new() { Name = r.Name, Token = r.Token ?? "", Password = r.Password ?? "", Previous = r.Previous ?? "" };

    private static Register FromRegister(RegisterMsg m) => new(m.Name, NullIfEmpty(m.Token), NullIfEmpty(m.Password), NullIfEmpty(m.Previous));

    private static AccountMsg ToAccount(AccountCommand r) =>
        new() { Id = r.Id, Action = (int)r.Action, Password = r.Password, NewPassword = r.NewPassword ?? "" };

    // An action this side does not know decodes as None, which the server answers 422.
    private static AccountCommand FromAccount(AccountMsg m) =>
        new(m.Id, Enum.IsDefined((AccountAction)m.Action) ? (AccountAction)m.Action : AccountAction.None, m.Password, NullIfEmpty(m.NewPassword));
}
