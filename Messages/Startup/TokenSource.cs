namespace Switchboard.Messages.Startup;

/// <summary>Where a registration token is read, on both sides: <c>--token-file PATH</c> (its first line) or the
/// <c>SWITCHBOARD_TOKEN</c> environment variable; never a command-line argument, which any local user can read in
/// the process list. A file must be private to its owner (<see cref="SecretFile"/>).</summary>
public static class TokenSource
{
    public const string EnvironmentVariable = "SWITCHBOARD_TOKEN";

    /// <summary>The token (file first, then environment), null when none is set; <paramref name="problem"/> when a
    /// file was named but cannot give one, or the variable is set but blank. Shared with the client, which presents it.</summary>
    public static string? Read(string? tokenFile, out string? problem) => Read(tokenFile, EnvironmentVariable, "token", out problem);

    /// <summary>The same rule for another secret (e.g. the cluster's): file first, then <paramref name="environmentVariable"/>.</summary>
    public static string? Read(string? tokenFile, string environmentVariable, string what, out string? problem)
    {
        problem = null;
        if (tokenFile is not null)
        {
            try
            {
                using var file = File.OpenRead(tokenFile);
                // Refused, not warned about: a readable token lets any local user register as anyone.
                if (SecretFile.Exposure(file.SafeFileHandle, tokenFile, $"{what} file") is { } exposed)
                {
                    problem = exposed;
                    return null;
                }
                using var reader = new StreamReader(file);
                var first = reader.ReadLine()?.Trim();
                if (!string.IsNullOrEmpty(first)) return first;
                problem = $"{what} file {tokenFile} is empty";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // In plain words: .NET's quote the path again ("Could not find file '/x'."), and a directory reads as
                // "Access to the path is denied", which blames permissions.
                var why = ex switch
                {
                    FileNotFoundException or DirectoryNotFoundException => "no such file",
                    UnauthorizedAccessException when Directory.Exists(tokenFile) => "it is a directory",
                    UnauthorizedAccessException => "permission denied",
                    _ => ex.Message,
                };
                problem = $"cannot read {what} file {tokenFile}: {why}";
            }
            return null;
        }
        var env = Environment.GetEnvironmentVariable(environmentVariable);
        if (env is null) return null;
        if (env.Trim().Length > 0) return env.Trim();
        // Set but blank is a mistake, not "none": SWITCHBOARD_TOKEN="$TOKEN" with TOKEN unset started a server that
        // required no token and said nothing, open to the strangers it was meant to keep out.
        problem = $"{environmentVariable} is set but empty (an unset variable?): put the {what} in it, or remove it from the environment";
        return null;
    }
}
