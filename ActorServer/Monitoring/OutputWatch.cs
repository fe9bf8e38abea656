using System.Runtime.InteropServices;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// Whether whoever reads standard output has gone (<c>inspect --watch | head -1</c>): .NET ignores EPIPE on console
/// writes, so a watcher would otherwise refresh into a closed pipe for ever. A pipe or socket whose reader closed
/// polls as POLLERR/POLLHUP on the writing end.
/// </summary>
public static class OutputWatch
{
    const short PollErr = 0x008, PollHup = 0x010;

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    // DllImport: the project allows no unsafe code; the signature is blittable.
    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    /// <summary>True once stdout's reader has closed it; false for a terminal or a file (they never close).</summary>
    public static bool StdoutClosed()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;
        var fd = new PollFd { Fd = 1, Events = 0 };
        return Poll(ref fd, 1, 0) > 0 && (fd.Revents & (PollErr | PollHup)) != 0;
    }

    /// <summary>Waits <paramref name="period"/>, or less when cancelled or when stdout closes; true if the watch should end.</summary>
    public static bool WaitOrEnd(TimeSpan period, CancellationToken ct)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var waited = TimeSpan.Zero; waited < period; waited += step)
        {
            if (ct.IsCancellationRequested || StdoutClosed()) return true;
            if (ct.WaitHandle.WaitOne(step)) return true;
        }
        return ct.IsCancellationRequested || StdoutClosed();
    }
}
