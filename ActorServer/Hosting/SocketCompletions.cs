namespace Switchboard.Server.Hosting;

/// <summary>
/// Has .NET run socket completions on its socket thread instead of handing each to the thread pool, on one socket
/// thread. On a single-host node a completion only passes the bytes to DotNetty's event loop (or to Kestrel's queue for
/// the monitor), so the pool hop was one more thread woken per message read: with one request in flight per client,
/// about a sixth of the server's CPU per reply (Benchmarks/README.md, stop 33). With completions inline .NET starts a
/// socket thread per core, so that they cannot be the bottleneck; here the one event loop is (it does all the actor
/// work), and each extra socket thread only woke on its own for a share of the reads: one thread cost ~10 % less per
/// reply at 200 clients (stop 50). Not on a cluster node: there Npgsql's continuations would run on the socket thread
/// too, and its start-up checks, which wait for them, then hung (2 of the cluster specs).
/// </summary>
public static class SocketCompletions
{
    /// <summary>.NET reads it once, at its first socket: an operator's own value (0 turns it off) is kept.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>How many socket threads .NET starts, read at its first socket too; an operator's own value is kept.</summary>
    public const string Threads = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>Call before anything opens a socket.</summary>
    public static void InlineUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
        if (Environment.GetEnvironmentVariable(Threads) is null) Environment.SetEnvironmentVariable(Threads, "1");
    }
}
