using Microsoft.Win32.SafeHandles;

namespace Switchboard.Messages.Startup;

/// <summary>
/// Files holding a secret (the registration token, the cluster secret, a TLS key, the segment's node key) must be
/// private to their owner: another local user who can read one can impersonate a client or a node, and one who can
/// write it can swap it. One rule for all of them; Unix only (Windows has no mode bits to check).
/// </summary>
public static class SecretFile
{
    const UnixFileMode OpenToOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Null when only its owner may read or write the open file; else one line naming
    /// <paramref name="path"/>, its mode and the fix. Checked on the handle about to be read, not on the name.</summary>
    public static string? Exposure(SafeFileHandle file, string path, string what) =>
        OperatingSystem.IsWindows() ? null : Describe(File.GetUnixFileMode(file), path, what);

    /// <summary>The same, by name, for a file not yet open (e.g. a certificate handed to a loader).</summary>
    public static string? Exposure(string path, string what) =>
        OperatingSystem.IsWindows() ? null : Describe(File.GetUnixFileMode(path), path, what);

    static string? Describe(UnixFileMode mode, string path, string what) => (mode & OpenToOthers) == 0
        ? null
        : $"{what} {path} is mode {Octal(mode)}, open to other users; make it private: chmod 600 {path}";

    /// <summary>"0644"-style, as ls and chmod show it.</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');
}
