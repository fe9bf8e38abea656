using System.Runtime.InteropServices;

namespace Switchboard.Server.Segment;

/// <summary>Whether process <paramref name="pid"/>, started at <paramref name="startTicks"/>, still runs. Injected into the
/// segment rules so specs can say which nodes are alive; in production it is <see cref="ProcessInfo.IsAlive"/>.</summary>
public delegate bool ProcessLiveness(int pid, ulong startTicks);

/// <summary>Linux process facts used to tell a live node from a dead one whose pid was reused.</summary>
public static class ProcessInfo
{
    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat (start time in clock ticks since boot); null when the process is gone.</summary>
    public static ulong? StartTicks(int pid)
    {
        if (pid <= 0) return null;
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // comm (field 2) may contain spaces and ')': fields 3.. start after the last ')'
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 is fields[19]
        return fields.Length > 19 && ulong.TryParse(fields[19], out var ticks) ? ticks : null;
    }

    /// <summary>True when <paramref name="pid"/> runs and started at <paramref name="startTicks"/> (not a reused pid).</summary>
    public static bool IsAlive(int pid, ulong startTicks) => StartTicks(pid) is { } t && t == startTicks;

    public static readonly int CurrentPid = Environment.ProcessId;
    public static readonly ulong CurrentStartTicks = StartTicks(Environment.ProcessId) ?? 0;

    // DllImport rather than LibraryImport: the project does not allow unsafe code, and these signatures are blittable.
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    /// <summary>The effective uid of this process.</summary>
    public static uint EffectiveUid() => GetEuid();

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr memory);

    /// <summary>The absolute path of an existing <paramref name="path"/> with every symbolic link, "." and ".." resolved
    /// (realpath(3)): one name for one file however it is reached.</summary>
    public static string CanonicalPath(string path)
    {
        var resolved = RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) throw new IOException($"realpath({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        try { return Marshal.PtrToStringUTF8(resolved)!; }
        finally { Free(resolved); }
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte buffer);

    const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8, StatxIno = 0x100, StatxSize = 0x200;

    /// <summary>The owner uid of a file (statx, whose struct layout is the same on every architecture).</summary>
    public static uint FileOwnerUid(string path) => FileStatusOf(path).Uid;

    /// <summary>Owner, type and permission bits of <paramref name="path"/> itself: a symbolic link is described, not followed.</summary>
    public static FileStatus FileStatusOf(string path) => StatxOf(AtFdCwd, path, AtSymlinkNoFollow, path);

    /// <summary>Owner, type and permission bits of an open file descriptor (no path lookup: no race with a rename).</summary>
    public static FileStatus FileStatusOf(int fd, string pathForMessages) => StatxOf(fd, "", AtEmptyPath, pathForMessages);

    /// <summary>Whether <paramref name="path"/> still names the file <paramref name="file"/> has open (same device and
    /// inode): false once it was deleted, or replaced by another file. A lock held on an open file guards only that file.</summary>
    public static bool IsAtPath(FileStream file, string path)
    {
        if (OperatingSystem.IsWindows()) return true; // a file open there cannot be deleted
        try
        {
            var held = FileStatusOf((int)file.SafeFileHandle.DangerousGetHandle(), path);
            var now = FileStatusOf(path);
            return (held.Device, held.Inode) == (now.Device, now.Inode);
        }
        catch (IOException)
        {
            return false; // gone
        }
    }

    const int ENoEnt = 2;

    static FileStatus StatxOf(int dirfd, string path, int flags, string what)
    {
        // On the stack: a kept message's write is checked this way first (DataFileGuard).
        Span<byte> buf = stackalloc byte[256];
        if (Statx(dirfd, path, flags, StatxType | StatxMode | StatxUid | StatxIno | StatxSize, ref MemoryMarshal.GetReference(buf)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // A file gone (ENOENT) is told apart: a caller looking at files another process removes may skip it.
            throw errno == ENoEnt
                ? new FileNotFoundException($"statx({what}) failed: errno {errno} (no such file)", what)
                : new IOException($"statx({what}) failed: errno {errno}");
        }
        // struct statx: stx_mask u32 @0, stx_blksize u32 @4, stx_attributes u64 @8, stx_nlink u32 @16, stx_uid u32 @20,
        // stx_gid u32 @24, stx_mode u16 @28, pad u16, stx_ino u64 @32, stx_size u64 @40, ..., stx_dev_major u32 @136,
        // stx_dev_minor u32 @140 (always filled)
        return new FileStatus(BitConverter.ToUInt32(buf[20..]), BitConverter.ToUInt16(buf[28..]), BitConverter.ToUInt64(buf[32..]),
            BitConverter.ToInt64(buf[40..]), (ulong)BitConverter.ToUInt32(buf[136..]) << 32 | BitConverter.ToUInt32(buf[140..]));
    }
}

/// <summary>What <see cref="ProcessInfo.FileStatusOf(string)"/> tells about a file: owner uid and st_mode (type and permission bits),
/// inode, size and device (major in the high half, minor in the low).</summary>
public readonly record struct FileStatus(uint Uid, uint Mode, ulong Inode, long Size, ulong Device = 0)
{
    const uint TypeMask = 0xF000, RegularType = 0x8000;

    public bool IsRegularFile => (Mode & TypeMask) == RegularType;
    /// <summary>The permission bits (0o7777).</summary>
    public uint Permissions => Mode & 0xFFF;
    /// <summary>Any group or other permission bit (or setuid/setgid/sticky) is set: other users may read or write it.</summary>
    public bool IsExposed => (Mode & 0xE3F) != 0; // 07077: setuid/setgid/sticky, group rwx, other rwx
    /// <summary>"0600"-style octal of the permission bits, for messages.</summary>
    public string Octal => "0" + Convert.ToString(Permissions, 8).PadLeft(3, '0');
}
