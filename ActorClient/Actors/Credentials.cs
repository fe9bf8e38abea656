namespace Switchboard.Client.Actors;

/// <summary>
/// The password of this client's name, when it has one: presented at every registration (reconnects too, from each
/// fresh actor system), filled into <c>reserve</c>, <c>passwd</c> and <c>release</c>, and replaced once the server
/// confirms a change. Never printed: <see cref="ToString"/> says only whether there is one.
/// </summary>
public sealed class Credentials(string? password)
{
    private volatile string? _password = password;

    /// <summary>What a server that keeps accounts answers, through the client, to an account command sent without a password.</summary>
    public const string Missing = "this client was started without a password: start it with --password-file F (or --password on a terminal)";

    public string? Password => _password;

    /// <summary><paramref name="command"/> with the current password filled in, or null without one.</summary>
    public AccountCommand? Fill(AccountCommand command) => _password is { } p ? command with { Password = p } : null;

    /// <summary>The server confirmed <paramref name="command"/>: a changed password is the one to present from now on.</summary>
    public void Confirmed(AccountCommand command)
    {
        if (command.Action == AccountAction.ChangePassword && command.NewPassword is { } fresh) _password = fresh;
    }

    public override string ToString() => _password is null ? "Credentials { none }" : "Credentials { password set }";
}
