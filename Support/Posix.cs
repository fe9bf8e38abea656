using System.Runtime.InteropServices;

namespace Switchboard.Support;

/// <summary>Signals for child processes: <see cref="System.Diagnostics.Process.Kill()"/> only sends SIGKILL.</summary>
public static class Posix
{
    public const int SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19, SIGINT = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int sig);
}
