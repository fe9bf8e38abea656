using System.Runtime.InteropServices;

namespace Switchboard.Server.State;

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

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    /// <summary>The owner uid of a file (statx, whose struct layout is the same on every architecture).</summary>
    public static uint FileOwnerUid(string path)
    {
        const int AtFdCwd = -100;
        const uint StatxUid = 0x8;
        var buf = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxUid, buf) != 0)
            throw new IOException($"statx({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        return BitConverter.ToUInt32(buf, 20); // struct statx: stx_mask u32, stx_blksize u32, stx_attributes u64, stx_nlink u32, stx_uid u32
    }
}
