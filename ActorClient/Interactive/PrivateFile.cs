namespace Switchboard.Client.Interactive;

/// <summary>The client's state files (the prompt's history, the rooms to join again): written whole to a fresh 0600 file
/// moved into place, never torn or readable by others whatever mode an old file had. A failure to write is ignored:
/// the state is a convenience.</summary>
public static class PrivateFile
{
    /// <summary>~/.local/state/switchboard, or under $XDG_STATE_HOME: where the client's state files are (under HOME even
    /// when it does not exist, not under the working directory).</summary>
    public static string StateDirectory()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state)) state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify), ".local", "state");
        return Path.Combine(state, "switchboard");
    }

    public static void Replace(string file, IEnumerable<string> lines)
    {
        if (OperatingSystem.IsWindows()) return; // modes are POSIX; the project runs on Linux
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var temp = $"{file}.{Environment.ProcessId}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            using (var w = new StreamWriter(temp, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
                foreach (var line in lines) w.WriteLine(line);
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
