namespace Switchboard.Server.Security;

/// <summary>
/// Where the operator's registration token comes from: <c>--token-file PATH</c> (its first line) or the
/// <c>SWITCHBOARD_TOKEN</c> environment variable, never a command-line argument (which any local user can read in
/// the process list). Neither: no token is required.
/// </summary>
public static class RegistrationToken
{
    /// <summary>The check to apply, or null with <paramref name="problem"/> saying why the token cannot be used.</summary>
    public static TokenCheck? Load(string? tokenFile, out string? problem) => TokenSource.Read(tokenFile, out problem) switch
    {
        { } token => TokenCheck.For(token),
        null when problem is null => TokenCheck.None,
        _ => null,
    };
}
