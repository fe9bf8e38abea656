namespace Switchboard.Messages;

/// <summary>Input limits the server enforces before doing any work (DESIGN §2).</summary>
public static class Limits
{
    public const int MaxNameLength = 32;
    public const int MaxTextBytes = 4096;
    public const int MaxPresenceNames = 16;

    /// <summary>Null when <paramref name="name"/> is a valid client name, else why not.</summary>
    public static string? NameError(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "name is empty";
        if (name.Length > MaxNameLength) return $"name is longer than {MaxNameLength} characters";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
                return "name may contain only ASCII letters, digits, '_', '.' and '-'";
        return null;
    }
}
