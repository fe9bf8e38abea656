namespace Switchboard.Support;

/// <summary>The checkout's root: the directory holding <c>Switchboard.slnx</c>.</summary>
public static class RepoRoot
{
    public const string Marker = "Switchboard.slnx";

    /// <summary>
    /// Searches upwards from the running assembly (bin/ lives inside the checkout), then from the current
    /// directory (for a build copied elsewhere but run from the checkout).
    /// </summary>
    public static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, Marker))) return d.FullName;
        throw new DirectoryNotFoundException($"{Marker} not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }
}
