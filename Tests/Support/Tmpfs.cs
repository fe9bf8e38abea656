using System.Diagnostics;

namespace Switchboard.Tests.Support;

/// <summary>
/// A small tmpfs mounted for one spec (a disk that fills up for real), unmounted and removed on dispose. Mounting needs
/// root (CAP_SYS_ADMIN); <see cref="TmpfsFactAttribute"/> skips a spec, saying why, where it is not permitted.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(string size)
    {
        var path = Directory.CreateTempSubdirectory("sbtmpfs-").FullName;
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs on {path} failed: {error}");
        }
        return new Tmpfs(path);
    }

    /// <summary>Writes zeros into <paramref name="name"/> until the file system refuses (ENOSPC); returns the bytes written.</summary>
    public long Fill(string name)
    {
        var block = new byte[4096];
        long written = 0;
        using var filler = new FileStream(System.IO.Path.Combine(Path, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                filler.Write(block);
                written += block.Length;
            }
        }
        catch (IOException)
        {
            // ENOSPC: full. Whatever part of the last block went in stays.
        }
        return written;
    }

    public void Dispose()
    {
        // A process still holding a file there keeps it busy: lazily detached, then gone when that process ends.
        if (Run("umount", Path).Code != 0) Run("umount", "-l", Path);
        try { Directory.Delete(Path); } catch (IOException) { }
    }

    /// <summary>Null where a tmpfs can be mounted here, else why not (for the skip message). Not root: no attempt;
    /// root: one probe mount (a container may deny it even to root).</summary>
    public static readonly Lazy<string?> NotPermitted = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs mounts are Linux only";
        if (ProcessInfo.EffectiveUid() is var uid and not 0) return $"mounting needs root, and id -u is {uid}";
        try
        {
            using var probe = Mount("64k");
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return ex.Message;
        }
    });

    private static (int Code, string Error) Run(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd().Trim();
        p.WaitForExit();
        return (p.ExitCode, error);
    }
}

/// <summary>A fact that needs <see cref="Tmpfs.Mount"/>: skipped, with the reason, where mounting is not permitted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.NotPermitted.Value is { } why) Skip = $"needs a tmpfs mount, not permitted here: {why}";
    }
}
