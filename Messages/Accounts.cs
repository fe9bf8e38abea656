namespace Switchboard.Messages;

/// <summary>What an <see cref="AccountCommand"/> asks of the name its session holds.</summary>
public enum AccountAction
{
    /// <summary>No action (what an empty or unknown one decodes as): answered 422.</summary>
    None = 0,
    /// <summary>Reserve the name: from now on it registers only with <see cref="AccountCommand.Password"/>.</summary>
    Reserve = 1,
    /// <summary>Replace the password <see cref="AccountCommand.Password"/> with <see cref="AccountCommand.NewPassword"/>.</summary>
    ChangePassword = 2,
    /// <summary>Give the reservation up (the name is a guest's again); <see cref="AccountCommand.Password"/> confirms it.</summary>
    Release = 3,
}

/// <summary>Client → session: an account command for the session's own name, answered with a <see cref="Reply"/>
/// (its text says what was done). The passwords are never logged and never printed by <see cref="ToString"/>.</summary>
public sealed record AccountCommand(long Id, AccountAction Action, string Password, string? NewPassword = null) : ISwitchboardMessage
{
    public override string ToString() => $"AccountCommand {{ Id = {Id}, Action = {Action} }}";
}
